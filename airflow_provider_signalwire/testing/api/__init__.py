"""The emulated Compatibility API: routes a request to the handler of its resource."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api import (
    conferences,
    media,
    messages,
    participants,
    recordings,
    streams,
)
from airflow_provider_signalwire.testing.api.request import ApiRequest
from airflow_provider_signalwire.testing.responses import auth_failed, not_found, unprocessable
from airflow_provider_signalwire.testing.store.space import ConflictError, UnknownResourceError

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_signalwire.testing.params import Params
    from airflow_provider_signalwire.testing.responses import Response
    from airflow_provider_signalwire.testing.store import Store

API_PREFIX = ["", "api", "laml", "2010-04-01", "Accounts"]
#: The resources under ``/Conferences/{sid}``, by path segment.
SUBRESOURCES: dict[str, Callable[[Store, ApiRequest], Response]] = {
    "Participants": participants.handle,
    "Recordings": recordings.handle,
    "Streams": streams.handle,
}


def route(
    store: Store,
    method: str,
    path: str,
    segments: list[str],
    query: Params,
    form: Params,
    repeat_stop_status: int,
) -> Response:
    """
    Answer an authenticated API request.

    :param store: the state to read and change.
    :param method: HTTP method.
    :param path: the raw request path, without query.
    :param segments: all percent-decoded path segments (the first is empty).
    :param query: parsed query string.
    :param form: parsed form body.
    :param repeat_stop_status: 200 or 404, the answer to stopping a stopped stream.
    """
    if segments[: len(API_PREFIX)] != API_PREFIX or len(segments) < len(API_PREFIX) + 2:
        raise not_found(path)
    if segments[len(API_PREFIX)] != store.space.project_id:
        # The spec documents 401 (not 403) for every operation: these credentials do not
        # grant this account.
        raise auth_failed()
    rest = segments[len(API_PREFIX) + 1 :]
    raw_last = rest[-1]
    if raw_last.endswith(".json"):
        rest = [*rest[:-1], raw_last[: -len(".json")]]
    req = ApiRequest(method, path, rest, raw_last, query, form, repeat_stop_status)
    try:
        return _dispatch(store, req)
    except UnknownResourceError:
        raise not_found(path) from None
    except ConflictError as exc:
        raise unprocessable(str(exc)) from None


def _dispatch(store: Store, req: ApiRequest) -> Response:
    s = req.segments
    if s and s[0] == "Messages":
        return messages.handle(store, req)
    if s[:1] == ["Recordings"]:
        return media.handle(store, req)
    if not s or s[0] != "Conferences" or len(s) > 4 or "" in s:
        raise not_found(req.path)
    if len(s) <= 2:
        return conferences.handle(store, req)
    handler = SUBRESOURCES.get(s[2])
    if handler is None:
        raise not_found(req.path)
    return handler(store, req)
