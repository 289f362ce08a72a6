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
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import AsyncRetrying

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import SignalWireConnectionError, SignalWireError
from airflow_provider_signalwire.hooks._body import (
    check_declared_length,
    content_encoding,
    inflate_bounded,
)
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    after_attempts,
    body_too_large,
    result_from_answer,
    transport_error,
)
from airflow_provider_signalwire.hooks._retry import IDEMPOTENT, RetryPolicy, retry_loop_arguments

if TYPE_CHECKING:
    import logging
    from collections.abc import Awaitable, Callable, Mapping
    from types import TracebackType

    from airflow_provider_signalwire.hooks._settings import SignalWireSettings


USER_AGENT = f"airflow-provider-signalwire/{__version__} python-httpx/{httpx.__version__}"

QueryParams = dict[str, str] | tuple[tuple[str, str], ...]


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


class AsyncSignalWireClient:
    """
    Send requests to one SignalWire Space from async code, with the provider's retries and errors.

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
        self._loop_arguments: dict[RetryPolicy, dict[str, Any]] = {}

    async def __aenter__(self) -> AsyncSignalWireClient:
        if self._client is None:
            self._client = await asyncio.to_thread(build_client, self.settings)
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
        data: Mapping[str, str] | None = None,
        policy: RetryPolicy = IDEMPOTENT,
    ) -> dict[str, Any] | None:
        """
        Send one API call, retried as ``policy`` allows, and return its JSON object.

        :param method: HTTP method.
        :param path: URL path, already validated and encoded.
        :param params: query parameters.
        :param data: form fields (sent ``application/x-www-form-urlencoded``).
        :param policy: which failures may be retried.
        :return: the answer's JSON object, or ``None`` for ``204 No Content``.
        :raises SignalWireError: a subclass naming what went wrong, after the retries.
        """
        # One loop object per call: tenacity keeps a call's state per thread, and concurrent
        # coroutines share the thread. What costs (stop, wait, retry, log) is built once.
        retrying = AsyncRetrying(**self._loop_arguments_for(policy), sleep=self.sleep)
        maybe_delivered_before = False
        failure: SignalWireError | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        return await self._send_once(
                            method, path, params, data, maybe_delivered_before
                        )
                    except SignalWireConnectionError as err:
                        maybe_delivered_before = maybe_delivered_before or err.maybe_delivered
                        raise
        except SignalWireError as err:
            statistics = retrying.statistics
            failure = after_attempts(
                err, int(statistics.get("attempt_number", 1)), statistics.get("idle_for", 0.0)
            )
        if failure is not None:
            raise failure
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _loop_arguments_for(self, policy: RetryPolicy) -> dict[str, Any]:
        arguments = self._loop_arguments.get(policy)
        if arguments is None:
            arguments = retry_loop_arguments(
                policy, self.max_attempts, self.initial_backoff, self.max_backoff, self.log
            )
            self._loop_arguments[policy] = arguments
        return arguments

    async def _send_once(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        data: Mapping[str, str] | None,
        after_lost_response: bool,
    ) -> dict[str, Any] | None:
        if self._client is None:
            raise RuntimeError("AsyncSignalWireClient is used outside 'async with'")
        url = f"{self.settings.base_url}{path}"
        # Raised outside the except block so that it carries no __context__ (the httpx error
        # holds the request, Authorization header included).
        failure: SignalWireConnectionError | None = None
        try:
            async with self._client.stream(method, url, params=params, data=data) as response:
                body = await _read_bounded(response, method, path)
        except (httpx.HTTPError, OSError) as exc:
            never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            failure = transport_error(
                exc, method, path, never_sent=never_sent, origin=self.settings.origin
            )
        if failure is not None:
            raise failure
        return result_from_answer(
            response.status_code,
            response.headers,
            body,
            method=method,
            path=path,
            reason=response.reason_phrase or "",
            after_lost_response=after_lost_response,
        )


async def _read_bounded(response: httpx.Response, method: str, path: str) -> bytes:
    status = response.status_code
    check_declared_length(response.headers, status=status, method=method, path=path)
    encoding = content_encoding(response.headers, status=status, method=method, path=path)
    # Count the bytes as received: httpx would inflate a whole network chunk (up to ~1000x)
    # before this loop could count it.
    raw = bytearray()
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise body_too_large(status=status, method=method, path=path)
    return inflate_bounded(bytes(raw), encoding, status=status, method=method, path=path)
