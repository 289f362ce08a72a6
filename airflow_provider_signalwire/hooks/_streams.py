"""Stream results the hook builds itself: a stop taken as done, and a bulk stop's outcomes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._secrets import scrub

if TYPE_CHECKING:
    from collections.abc import Callable


def assumed_stopped(
    account: str, conference_sid: str, stream_sid: str, path: str
) -> dict[str, Any]:
    """
    The stream object of a stop whose answer was lost and whose retry found no such stream.

    :param account: the account (Project ID).
    :param conference_sid: the conference.
    :param stream_sid: the stream's SID or name, as asked.
    :param path: the stream's path.
    """
    return {
        "account_sid": account,
        "conference_sid": conference_sid,
        "sid": stream_sid,
        "name": None,
        "status": "stopped",
        "date_updated": None,
        "uri": f"{path}.json",
    }


def stop_all(
    stop_one: Callable[[str, str], dict[str, Any]],
    pairs: list[tuple[str, str]],
    max_concurrency: int,
    *,
    secrets: tuple[str, ...] = (),
    abort: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """
    Stop every ``(conference_sid, stream_sid)`` pair, at most ``max_concurrency`` at once.

    One stream's failure, whatever the exception, becomes that stream's outcome: every stream is
    attempted. Only the caller's own interruption (``execution_timeout``, a kill) ends the batch
    early: ``abort`` then cuts the requests in flight off, and no new one starts.

    :param stop_one: stops one stream and returns its object.
    :param pairs: the streams, validated.
    :param max_concurrency: most requests in flight.
    :param secrets: credentials to scrub from the error messages.
    :param abort: ends the requests in flight, when the caller is interrupted.
    :return: one outcome per pair, in order: ``conference_sid``, ``stream_sid`` and ``status``,
        or ``error`` and ``error_type``.
    """

    def outcome(pair: tuple[str, str]) -> dict[str, Any]:
        conference_sid, stream_sid = pair
        result: dict[str, Any] = {"conference_sid": conference_sid, "stream_sid": stream_sid}
        try:
            result["status"] = stop_one(conference_sid, stream_sid).get("status")
        except SignalWireError as err:
            result["error"] = scrub(str(err), secrets)
            result["error_type"] = type(err).__name__
        except Exception as err:  # whatever one stream raises, the others are still stopped
            result["error"] = scrub(f"{type(err).__name__}: {err}"[:500], secrets)
            result["error_type"] = type(err).__name__
        return result

    pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="signalwire-stop")
    try:
        futures = [pool.submit(outcome, pair) for pair in pairs]
        return [future.result() for future in futures]
    except BaseException:
        if abort is not None:
            abort()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
