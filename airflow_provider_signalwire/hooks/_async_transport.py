"""
The asynchronous request path, for triggers: httpx, bounded reads, the shared retries and errors.

The counterpart of :mod:`~airflow_provider_signalwire.hooks._transport` for code that runs in the
triggerer's event loop. Both hand their raw answers to the same pure modules (``_body``,
``_errors``, ``_retry``), so a deferred sensor sees exactly the errors and rides out exactly the
failures that the synchronous hook does. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import AsyncRetrying

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import SignalWireConnectionError, SignalWireError
from airflow_provider_signalwire.hooks import _body
from airflow_provider_signalwire.hooks._attempts import DeliveryHistory, TransportBase, final_error
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    Answer,
    body_too_large,
    deadline_error,
)
from airflow_provider_signalwire.hooks._retry import IDEMPOTENT, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from types import TracebackType

    from airflow_provider_signalwire.hooks._settings import SignalWireSettings


USER_AGENT = f"airflow-provider-signalwire/{__version__} python-httpx/{httpx.__version__}"

QueryParams = dict[str, str] | tuple[tuple[str, str], ...]
#: Answers longer than this are decoded off the event loop (a page of 1,000 conferences is ~650 kB).
OFF_LOOP_BYTES = 64 * 1024


def build_client(settings: SignalWireSettings) -> httpx.AsyncClient:
    """Build the client; loads CA certificates from disk, so call it off the event loop."""
    verify: bool | ssl.SSLContext = (
        ssl.create_default_context(cafile=settings.verify)
        if isinstance(settings.verify, str)
        else settings.verify
    )
    return httpx.AsyncClient(
        auth=httpx.BasicAuth(settings.project_id, settings.token),
        verify=verify,
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
    )


class AsyncSignalWireClient(TransportBase):
    """
    Send requests to one SignalWire Space from async code, with the provider's retries and errors.

    Use it as an async context manager; the HTTP client is built (off the event loop) on entry
    and closed on exit. Takes the arguments of
    :class:`~airflow_provider_signalwire.hooks._attempts.TransportBase`, and:

    :param sleep: how to wait between attempts (tests pass a fake).
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **knobs: Any,
    ) -> None:
        super().__init__(settings, **knobs)
        self.sleep = sleep
        self._client: httpx.AsyncClient | None = None
        # The ``Date`` header of the latest answer, and time.monotonic() when it arrived.
        self._server_date: tuple[datetime, float] | None = None

    def server_now(self) -> datetime | None:
        """
        The server's clock now, from the ``Date`` header of the latest answer that had one.

        The header has whole seconds, so this may be up to a second behind; the time elapsed
        since that answer is added with the monotonic clock, never the local wall clock.
        ``None`` before the first answer with a readable ``Date``.
        """
        if self._server_date is None:
            return None
        moment, received = self._server_date
        return moment + timedelta(seconds=time.monotonic() - received)

    async def __aenter__(self) -> AsyncSignalWireClient:
        if self._client is None:
            building = asyncio.ensure_future(asyncio.to_thread(build_client, self.settings))
            try:
                self._client = await asyncio.shield(building)
            except asyncio.CancelledError:
                # The thread builds on regardless: close what it built, then give up.
                await (await asyncio.shield(building)).aclose()
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        data: Mapping[str, str | list[str]] | None = None,
        policy: RetryPolicy = IDEMPOTENT,
        max_attempts: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """
        Send one API call: the awaitable twin of the sync transport's ``request``.

        It takes the same arguments and returns or raises the same, see
        :meth:`airflow_provider_signalwire.hooks._transport.SignalWireTransport.request`.
        """
        # One loop object per call: tenacity keeps a call's state per thread, and concurrent
        # coroutines share the thread. What costs (stop, wait, retry, log) is built once.
        arguments = self.loop_arguments(policy, max_attempts or self.max_attempts)
        retrying = AsyncRetrying(**arguments, sleep=self.sleep)
        failure: SignalWireError | None = None
        try:
            return await retrying(
                self._send_once, method, path, params, data, DeliveryHistory(), secrets
            )
        except SignalWireError as err:
            failure = final_error(err, retrying.statistics)
        raise failure

    async def _send_once(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        data: Mapping[str, str | list[str]] | None,
        history: DeliveryHistory,
        secrets: tuple[str, ...],
    ) -> dict[str, Any] | None:
        if self._client is None:
            raise RuntimeError("AsyncSignalWireClient is used outside 'async with'")
        url = f"{self.settings.base_url}{path}"
        deadline = _AnswerDeadline(self.settings.read_timeout)
        # Raised outside the except block so that it carries no __context__ (the httpx error
        # holds the request, Authorization header included).
        failure: SignalWireConnectionError | None = None
        try:
            async with self._client.stream(
                method, url, params=params, data=data, extensions={"trace": deadline.trace}
            ) as response:
                body = await _read_bounded(response, method, path)
        except (httpx.HTTPError, OSError) as exc:
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            failure = self.transport_failure(exc, method, path, history, sent=sent)
        except asyncio.CancelledError:
            if not deadline.expired():
                raise
            failure = deadline_error(
                method, path, origin=self.settings.origin, seconds=self.settings.read_timeout
            )
            history.note(failure)
        finally:
            deadline.cancel()
        if failure is not None:
            raise failure
        self._note_server_date(response.headers.get("Date"))
        answer = Answer(response.status_code, response.headers, body, response.reason_phrase or "")
        if len(body) > OFF_LOOP_BYTES:
            # Decoding and scrubbing a page of 1,000 conferences takes ~25 ms of CPU: in a
            # thread, so the event loop keeps turning while a busy account is listed.
            return await asyncio.to_thread(self.result, answer, method, path, history, secrets)
        return self.result(answer, method, path, history, secrets)

    def _note_server_date(self, value: str | None) -> None:
        if not value:
            return
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if moment.tzinfo is not None:  # an HTTP date is GMT; a naive one is not HTTP
            self._server_date = (moment, time.monotonic())


class _AnswerDeadline:
    """
    Cancel the attempt when its whole answer takes longer than the read timeout.

    httpx bounds each read, not the answer; the clock starts when the request has been sent
    (httpcore's trace), as the sync client's watchdog does.

    :param seconds: the read timeout.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._task = asyncio.current_task()
        self._timer: asyncio.TimerHandle | None = None
        self._fired = False

    async def trace(self, event: str, info: Any) -> None:
        """Httpcore's trace hook: start the clock once the answer is awaited."""
        if event.endswith("receive_response_headers.started") and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        if self._task is not None:
            self._task.cancel()

    def expired(self) -> bool:
        """Tell whether this deadline cancelled the attempt (and take the cancellation back)."""
        if self._fired and self._task is not None and hasattr(self._task, "uncancel"):
            self._task.uncancel()
        return self._fired

    def cancel(self) -> None:
        """The attempt is over: stop the clock."""
        if self._timer is not None:
            self._timer.cancel()


async def _read_bounded(response: httpx.Response, method: str, path: str) -> bytes:
    status = response.status_code
    _body.check_declared_length(response.headers, status=status, method=method, path=path)
    encoding = _body.content_encoding(response.headers, status=status, method=method, path=path)
    # Count the bytes as received: httpx would inflate a whole network chunk (up to ~1000x)
    # before this loop could count it.
    raw = bytearray()
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise body_too_large(status=status, method=method, path=path)
    return _body.inflate_bounded(bytes(raw), encoding, status=status, method=method, path=path)
