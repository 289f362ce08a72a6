"""
The asynchronous request path, for triggers: httpx, bounded reads, the shared retries and errors.

The counterpart of :mod:`airflow_provider_signalwire.hooks._transport` for code that runs in the
triggerer's event loop. URLs come from :mod:`~airflow_provider_signalwire.routes`, errors from
:mod:`~airflow_provider_signalwire.responses` and the retry policy from
:mod:`~airflow_provider_signalwire.retry`, so a deferred sensor sees exactly the errors and rides
out exactly the failures that the synchronous hook does. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.connection import (
    SignalWireSettings,
    settings_from_airflow_connection,
)
from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionError,
    SignalWireError,
    SignalWireResponseError,
)
from airflow_provider_signalwire.forms import api_fields
from airflow_provider_signalwire.responses import (
    MAX_BODY_BYTES,
    body_too_large,
    result_from_answer,
)
from airflow_provider_signalwire.retry import (
    IDEMPOTENT,
    WaitForRetry,
    log_retry,
    note_attempts,
    transport_error,
)
from airflow_provider_signalwire.routes import conference_path, conferences_path, next_page

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
    from types import TracebackType


USER_AGENT = f"airflow-provider-signalwire/{__version__} python-httpx/{httpx.__version__}"

QueryParams = dict[str, str] | tuple[tuple[str, str], ...]


async def aget_settings(conn_id: str, *, timeout: float | None = None) -> SignalWireSettings:
    """
    Fetch a ``signalwire`` connection without blocking the event loop and validate it.

    The token and the ``Authorization`` value derived from it are masked in logs, the way the
    synchronous hook masks them.

    :param conn_id: the connection id.
    :param timeout: read timeout that overrides the connection's ``timeout`` extra.
    """
    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    conn = await SignalWireHook.aget_connection(conn_id)
    aextra = getattr(conn, "aextra_dejson", None)
    extra: Mapping[str, Any] = await aextra() if aextra is not None else conn.extra_dejson
    return settings_from_airflow_connection(conn, extra, conn_id=conn_id, timeout=timeout)


def _build_client(settings: SignalWireSettings) -> httpx.AsyncClient:
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


class AsyncSignalWireClient:
    """
    Read SignalWire conferences from async code, with the provider's retries and errors.

    Use it as an async context manager; the HTTP client is built (off the event loop) on entry
    and closed on exit.

    :param settings: where to connect and with which credentials.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt (doubles each time, plus jitter).
    :param max_backoff: cap of the exponential wait, in seconds (not of a server-asked wait).
    :param logger: where retry warnings go.
    :param sleep: how to wait between attempts (tests pass a fake).
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        max_attempts: int,
        initial_backoff: float,
        max_backoff: float,
        logger: logging.Logger | Any,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.log = logger
        self.sleep = sleep
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> AsyncSignalWireClient:
        self._client = await asyncio.to_thread(_build_client, self.settings)
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

    # -- API actions -------------------------------------------------------------------------

    async def get_conference(self, conference_sid: str, *, account_sid: str) -> dict[str, Any]:
        """
        Fetch one conference.

        :param conference_sid: the conference.
        :param account_sid: the account (Project ID) that owns it.
        """
        path = conference_path(account_sid, conference_sid)
        result = await self.request("GET", path)
        if result is None:
            raise SignalWireResponseError(f"SignalWire answered GET {path} without a body")
        return result

    async def list_conferences(
        self, *, account_sid: str, **filters: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """
        Iterate over conferences, following ``next_page_uri`` to the last page.

        :param account_sid: the account (Project ID) to list.
        :param filters: ``friendly_name``, ``status``, ``page_size`` and the other filters of
            :meth:`SignalWireHook.list_conferences
            <airflow_provider_signalwire.hooks.signalwire.SignalWireHook.list_conferences>`.
        """
        path = conferences_path(account_sid)
        query: QueryParams = api_fields(**filters)
        while True:
            page = await self.request("GET", path, params=query) or {}
            items = page.get("conferences")
            if not isinstance(items, list):
                raise SignalWireResponseError(
                    f"SignalWire page of {path} has no 'conferences' list"
                )
            for item in items:
                if isinstance(item, dict):
                    yield item
            next_uri = page.get("next_page_uri")
            if not next_uri:
                return
            path, next_query = next_page(str(next_uri), path)
            query = tuple(next_query)

    # -- transport ---------------------------------------------------------------------------

    async def request(
        self, method: str, path: str, *, params: QueryParams | None = None
    ) -> dict[str, Any] | None:
        """
        Send one idempotent API call, retried on transient failures, and return its JSON object.

        :param method: HTTP method.
        :param path: URL path, already validated and encoded.
        :param params: query parameters.
        :return: the answer's JSON object, or ``None`` for ``204 No Content``.
        :raises SignalWireError: a subclass naming what went wrong, after the retries.
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=WaitForRetry(self.initial_backoff, self.max_backoff),
            retry=retry_if_exception(IDEMPOTENT.should_retry),
            before_sleep=log_retry(self.log, self.max_attempts),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send_once(method, path, params)
        except SignalWireError as err:
            note_attempts(err, retrying.statistics)
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    async def _send_once(
        self, method: str, path: str, params: QueryParams | None
    ) -> dict[str, Any] | None:
        if self._client is None:
            raise RuntimeError("AsyncSignalWireClient is used outside 'async with'")
        url = f"{self.settings.base_url}{path}"
        # Raised outside the except block so that it carries no __context__ (the httpx error
        # holds the request, Authorization header included).
        failure: SignalWireConnectionError | None = None
        try:
            async with self._client.stream(method, url, params=params) as response:
                body = await _read_bounded(response, method, path)
        except (httpx.HTTPError, OSError) as exc:
            never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            failure = transport_error(exc, method, path, never_sent=never_sent)
        if failure is not None:
            raise failure
        return result_from_answer(
            response.status_code,
            response.headers,
            body,
            method=method,
            path=path,
            reason=response.reason_phrase or "",
        )


async def _read_bounded(response: httpx.Response, method: str, path: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise body_too_large(status=response.status_code, method=method, path=path)
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in {"", "identity", "gzip", "deflate"}:
        raise SignalWireResponseError(
            f"SignalWire answered {response.status_code} to {method} {path} with an "
            f"unsupported Content-Encoding {encoding!r}",
            status_code=response.status_code,
            method=method,
            path=path,
        )
    # Count the bytes as received: httpx would inflate a whole network chunk (up to ~1000x)
    # before this loop could count it.
    raw = bytearray()
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise body_too_large(status=response.status_code, method=method, path=path)
    if encoding in {"", "identity"}:
        return bytes(raw)
    try:
        # wbits=47: a gzip or zlib header, detected; never inflate past the cap
        body = zlib.decompressobj(wbits=47).decompress(bytes(raw), MAX_BODY_BYTES + 1)
    except zlib.error:
        raise SignalWireResponseError(
            f"SignalWire answered {response.status_code} to {method} {path} with a "
            f"{encoding} body that does not decompress",
            status_code=response.status_code,
            method=method,
            path=path,
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large(status=response.status_code, method=method, path=path)
    return body
