"""
The wire: the synchronous (``requests``) and asynchronous (``httpx``) clients, side by side.

Both send one API call as a loop of attempts (tenacity, with the policy of
:mod:`~airflow_provider_signalwire.hooks._retry`), read each answer's bytes bounded, and hand
them to :mod:`~airflow_provider_signalwire.hooks._errors`, which turns them into the result or
the error: only the I/O differs between the two. :class:`TransportBase` holds what they share.

``requests`` bounds each socket read, not an answer: a server that drips one byte per second
keeps a request alive forever under a 1 s read timeout, and closing a session never ends the
read a thread is blocked on. So the sync client's attempts register with a :class:`KillSwitch`;
their connections report their socket once the request is sent, and a watchdog thread shuts
that socket down when the read timeout has passed since, or at once when the task is killed.
The async client gets the same deadline from a timer that cancels the attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import math
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import AsyncRetrying, Retrying
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import SignalWireConnectionError, SignalWireError
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    Answer,
    body_too_large,
    cancelled_error,
    check_declared_length,
    content_encoding,
    deadline_error,
    final_error,
    inflate_bounded,
    invalid_content_length,
    result_from_answer,
    transport_error,
)
from airflow_provider_signalwire.hooks._retry import (
    IDEMPOTENT,
    DeliveryHistory,
    RetryPolicy,
    retry_loop_arguments,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Awaitable, Callable
    from types import TracebackType

    from airflow_provider_signalwire.hooks._connection import SignalWireSettings

# -- what both clients share -------------------------------------------------------------------


class TransportBase:
    """
    The settings and retry knobs of a transport, and the parts of its retry loop.

    :param settings: where to connect and with which credentials.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt (doubles each time, plus jitter).
    :param max_backoff: cap of the exponential wait, in seconds (not of a server-asked wait).
    :param logger: where retry warnings go.
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        max_attempts: int,
        initial_backoff: float,
        max_backoff: float,
        logger: logging.Logger | Any,
    ) -> None:
        self.settings = settings
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.log = logger
        self._loop_arguments: dict[tuple[RetryPolicy, int], dict[str, Any]] = {}

    def loop_arguments(self, policy: RetryPolicy, attempts: int) -> dict[str, Any]:
        """
        Return tenacity's loop arguments (stop, wait, retry, log) for a policy, built once.

        :param policy: which failures may be retried.
        :param attempts: requests per call.
        """
        key = (policy, attempts)
        arguments = self._loop_arguments.get(key)
        if arguments is None:
            arguments = retry_loop_arguments(
                policy, attempts, self.initial_backoff, self.max_backoff, self.log
            )
            self._loop_arguments[key] = arguments
        return arguments

    def transport_failure(
        self, exc: BaseException, method: str, path: str, history: DeliveryHistory, *, sent: bool
    ) -> SignalWireConnectionError:
        """
        Build the error of an attempt that failed in transport, and remember it in ``history``.

        :param exc: the client library's error.
        :param method: request method.
        :param path: request path.
        :param history: the call's attempts so far.
        :param sent: the connection was established, so the request may have been delivered.
        """
        failure = transport_error(
            exc, method, path, never_sent=not sent, origin=self.settings.origin
        )
        history.note(failure)
        return failure

    def result(
        self,
        answer: Answer,
        method: str,
        path: str,
        history: DeliveryHistory,
        secrets: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """
        Turn an attempt's complete answer into the call's result, or raise its error.

        :param answer: the answer, its body read (bounded).
        :param method: request method.
        :param path: request path.
        :param history: the call's attempts so far (a 404 after a maybe-delivered attempt says so).
        :param secrets: values sent in this call (a bearer token) to scrub, besides the
            connection's credentials, from whatever the answer echoes.
        """
        try:
            return result_from_answer(
                answer,
                method=method,
                path=path,
                after_lost_response=history.maybe_delivered,
                secrets=(*self.settings.secrets, *secrets),
            )
        except SignalWireError as err:
            history.note(err)
            raise


# -- the sync client's kill switch and deadlines ------------------------------------------------

_current = threading.local()


class Attempt:
    """
    One request in flight: its socket once sent, and why it was cut off, if it was.

    :param owner: the kill switch it is registered with.
    :param read_timeout: seconds the whole answer may take once the request is sent;
        ``math.inf`` for no deadline (a media file takes as long as it takes; each read is
        still timed by the client).
    """

    def __init__(self, owner: KillSwitch, read_timeout: float) -> None:
        self.owner = owner
        self.read_timeout = read_timeout
        self.sock: socket.socket | None = None
        self.deadline: float | None = None
        self.timed_out = False

    @property
    def cut_off(self) -> bool:
        """Whether the watchdog or a kill ended this attempt."""
        return self.timed_out or self.owner.killed

    def sent(self, sock: socket.socket | None) -> None:
        """The request is sent: start the deadline of the answer on ``sock``."""
        with self.owner.lock:
            self.sock = sock
            if math.isfinite(self.read_timeout):
                self.deadline = time.monotonic() + self.read_timeout
                self.owner.watch_until(self.deadline)
            killed = self.owner.killed
        if killed:
            _shut(sock)


def _shut(sock: socket.socket | None) -> None:
    """End every read and write on ``sock`` now, from any thread (TLS included)."""
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's method: SSLSocket.shutdown would unwrap the TLS object under
            # the feet of the thread reading it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class KillSwitch:
    """
    The sync requests of one hook in flight: the deadline of each answer, and the kill of all.

    One per hook, shared by its API client and its media client. A watchdog thread runs while
    some answer has a deadline; it sleeps until the earliest one and is woken only by an earlier
    deadline or a kill, so a call costs a lock and a set entry, not a thread switch. It ends
    when no deadline is left, and the next request starts another.
    """

    def __init__(self) -> None:
        # Re-entrant: a SIGTERM handler (on_kill) may run while the same thread holds it.
        self.lock = threading.RLock()
        self._wake = threading.Condition(self.lock)
        self._killed = threading.Event()
        self._attempts: set[Attempt] = set()
        self._watchdog: threading.Thread | None = None
        self._wakes_at = math.inf

    @property
    def killed(self) -> bool:
        """Whether :meth:`abort` was called: nothing may be sent any more."""
        return self._killed.is_set()

    def sleep(self, seconds: float) -> None:
        """Wait between two attempts; a kill ends the wait at once."""
        self._killed.wait(seconds)

    def begin(self, read_timeout: float) -> Attempt:
        """Register an attempt of the calling thread; its connection reports to it."""
        attempt = Attempt(self, read_timeout)
        with self.lock:
            self._attempts.add(attempt)
        _current.attempt = attempt
        return attempt

    def end(self, attempt: Attempt) -> None:
        """The attempt is over: its socket is no longer watched."""
        _current.attempt = None
        with self.lock:
            self._attempts.discard(attempt)

    def watch_until(self, deadline: float) -> None:
        """Make sure the watchdog wakes by ``deadline`` (called with :attr:`lock` held)."""
        if self._watchdog is None:
            self._wakes_at = deadline
            self._watchdog = threading.Thread(
                target=self._watch, name="signalwire-deadlines", daemon=True
            )
            self._watchdog.start()
        elif deadline < self._wakes_at:
            self._wake.notify()

    def abort(self) -> None:
        """
        Refuse new attempts and cut every attempt in flight off now.

        Safe to call from another thread or from a signal handler.
        """
        with self.lock:
            self._killed.set()
            sockets = [attempt.sock for attempt in self._attempts]
            self._wake.notify()
        for sock in sockets:
            _shut(sock)

    def _watch(self) -> None:
        with self.lock:
            while not self._killed.is_set():
                now = time.monotonic()
                pending = []
                for attempt in self._attempts:
                    if attempt.deadline is None:
                        continue
                    if attempt.deadline <= now:
                        attempt.timed_out = True
                        attempt.deadline = None
                        _shut(attempt.sock)
                    else:
                        pending.append(attempt.deadline)
                if not pending:
                    break
                self._wakes_at = min(pending)
                self._wake.wait(self._wakes_at - now)
            self._watchdog = None
            self._wakes_at = math.inf


def _report_sent(connection: HTTPConnection) -> None:
    attempt: Attempt | None = getattr(_current, "attempt", None)
    if attempt is not None:
        attempt.sent(connection.sock)


class _FinalAnswer(http.client.HTTPResponse):
    """
    An answer read past every interim ``1xx`` (102 Processing, 103 Early Hints), not only 100.

    ``http.client`` skips ``100 Continue`` alone and takes any other ``1xx`` for the final answer;
    httpx skips them all but ``101``. Reading an interim status as 100 makes both clients see the
    same final answer.
    """

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc]
        if 100 < status < 200 and status != 101:
            return version, http.client.CONTINUE, reason
        return version, status, reason


class _WatchedHTTPConnection(HTTPConnection):
    response_class = _FinalAnswer

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _report_sent(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    response_class = _FinalAnswer

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _report_sent(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections report their socket to the attempt in flight."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with the watched connection pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }


# -- the sync client ---------------------------------------------------------------------------

USER_AGENT = f"airflow-provider-signalwire/{__version__} python-requests/{requests.__version__}"

Query = Mapping[str, str] | list[tuple[str, str]]


_CHUNK = 64 * 1024
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


def _cut_off_error(
    attempt: Attempt, method: str, path: str, origin: str, failure: SignalWireConnectionError | None
) -> SignalWireConnectionError:
    """The error of an attempt the watchdog or a kill ended."""
    if attempt.timed_out:
        return deadline_error(method, path, origin=origin, seconds=attempt.read_timeout)
    delivered = failure.maybe_delivered if failure is not None else True
    return cancelled_error(method, path, origin=origin, maybe_delivered=delivered)


def is_connect_failure(exc: requests.RequestException) -> bool:
    """Tell whether the connection was never established, so the request never left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    # urllib3 wraps every failure to connect (refused, unreachable, a name that does not
    # resolve: NameResolutionError is one) in NewConnectionError, the reason of requests' error.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def new_session(
    settings: SignalWireSettings,
    *,
    pool_size: int,
    headers: Mapping[str, str],
    auth: tuple[str, str] | None = None,
    adapter_class: type[HTTPAdapter] = HTTPAdapter,
) -> requests.Session:
    """
    Build a keep-alive session to the Space: its TLS setting, no proxy from the environment.

    :param settings: the Space's settings (``verify`` is read).
    :param pool_size: connections kept open. ``pool_block`` keeps threads waiting for a free
        connection instead of opening (and then discarding) extra ones, so a bulk run never holds
        more sockets than it was sized for.
    :param headers: headers sent with every request, beside the User-Agent.
    :param auth: Basic credentials; ``None`` for a session that must never send them.
    :param adapter_class: the requests adapter to mount.
    """
    session = requests.Session()
    session.auth = auth
    session.verify = settings.verify
    session.trust_env = False
    session.headers.update({"User-Agent": USER_AGENT, **headers})
    adapter = adapter_class(pool_connections=1, pool_maxsize=pool_size, pool_block=True)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class SignalWireTransport(TransportBase):
    """
    Send requests to one SignalWire Space over a keep-alive session, with retries.

    Takes the arguments of :class:`TransportBase`, and:

    :param pool_size: connections kept open; match it to the number of threads sharing this.
    :param kill_switch: the hook's kill switch: deadlines of answers, and the end of all requests.
    :param sleep: how to wait between attempts (tests pass a fake); by default a wait that a
        kill ends at once.
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        pool_size: int,
        kill_switch: KillSwitch,
        sleep: Callable[[float], Any] | None = None,
        **knobs: Any,
    ) -> None:
        super().__init__(settings, **knobs)
        self.kill_switch = kill_switch
        self.sleep: Callable[[float], Any] = sleep or kill_switch.sleep
        self._retryings: dict[tuple[RetryPolicy, int], Retrying] = {}
        self.session = new_session(
            settings,
            pool_size=pool_size,
            headers={"Accept": "application/json"},
            auth=(settings.project_id, settings.token),
            adapter_class=WatchedAdapter,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Query | None = None,
        data: Mapping[str, str | list[str]] | None = None,
        policy: RetryPolicy = IDEMPOTENT,
        max_attempts: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """
        Send one API call, retried as ``policy`` allows, and return its JSON object.

        :param method: HTTP method.
        :param path: URL path, already validated and encoded.
        :param params: query parameters.
        :param data: form fields (sent ``application/x-www-form-urlencoded``).
        :param policy: which failures may be retried.
        :param max_attempts: overrides the transport's attempts for this call.
        :param secrets: values sent in this call (a bearer token) to scrub, besides the
            connection's credentials, from whatever the answer echoes.
        :return: the answer's JSON object, or ``None`` for ``204 No Content``.
        :raises SignalWireError: a subclass naming what went wrong, after the retries.
        """
        retrying = self._retrying(policy, max_attempts or self.max_attempts)
        failure: SignalWireError | None = None
        try:
            return retrying(self._send_once, method, path, params, data, DeliveryHistory(), secrets)
        except SignalWireError as err:
            failure = final_error(err, retrying.statistics)
        raise failure

    def _retrying(self, policy: RetryPolicy, attempts: int) -> Retrying:
        """
        Return the retry loop for a policy, built once: building one costs more than a request.

        Sharing is safe: tenacity keeps each call's state in thread-local storage.
        """
        key = (policy, attempts)
        retrying = self._retryings.get(key)
        if retrying is None:
            retrying = Retrying(
                **self.loop_arguments(policy, attempts), sleep=lambda s: self.sleep(s)
            )
            self._retryings[key] = retrying
        return retrying

    def _send_once(
        self,
        method: str,
        path: str,
        params: Query | None,
        data: Mapping[str, str | list[str]] | None,
        history: DeliveryHistory,
        secrets: tuple[str, ...],
    ) -> dict[str, Any] | None:
        origin = self.settings.origin
        if self.kill_switch.killed:
            raise cancelled_error(method, path, origin=origin, maybe_delivered=False)
        # The transport error is raised outside the except block so that it carries no
        # __context__: the requests exception holds the prepared request, Authorization included.
        failure: SignalWireConnectionError | None = None
        attempt = self.kill_switch.begin(self.settings.read_timeout)
        try:
            response = self.session.request(
                method,
                f"{self.settings.base_url}{path}",
                params=params,
                data=data,
                timeout=self.settings.timeout,
                allow_redirects=False,
                stream=True,
            )
            try:
                body = self._read_bounded(response, method, path)
            finally:
                response.close()
        except Exception as exc:
            if not attempt.cut_off and not isinstance(exc, TRANSPORT_ERRORS):
                raise
            sent = not (isinstance(exc, requests.RequestException) and is_connect_failure(exc))
            failure = self.transport_failure(exc, method, path, history, sent=sent)
        finally:
            self.kill_switch.end(attempt)
        if attempt.cut_off:
            # A body framed by the connection's end reads as complete once the socket is shut.
            failure = _cut_off_error(attempt, method, path, origin, failure)
            history.note(failure)
        if failure is not None:
            raise failure
        answer = Answer(response.status_code, response.headers, body, response.reason or "")
        return self.result(answer, method, path, history, secrets)

    @staticmethod
    def _read_bounded(response: requests.Response, method: str, path: str) -> bytes:
        status = response.status_code
        check_declared_length(response.headers, status=status, method=method, path=path)
        encoding = content_encoding(response.headers, status=status, method=method, path=path)
        # Read the bytes as received and inflate them here, as the async client does, so both
        # accept exactly the same encodings. Read to the end: only the last, empty read tells a
        # cut-off body (IncompleteRead).
        raw = bytearray()
        while chunk := response.raw.read(_CHUNK, decode_content=False):
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise body_too_large(status=status, method=method, path=path)
        return inflate_bounded(bytes(raw), encoding, status=status, method=method, path=path)


# -- the async client --------------------------------------------------------------------------

ASYNC_USER_AGENT = f"airflow-provider-signalwire/{__version__} python-httpx/{httpx.__version__}"

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
        headers={"User-Agent": ASYNC_USER_AGENT, "Accept": "application/json"},
    )


class AsyncSignalWireClient(TransportBase):
    """
    Send requests to one SignalWire Space from async code, with the provider's retries and errors.

    Use it as an async context manager; the HTTP client is built (off the event loop) on entry
    and closed on exit. Takes the arguments of
    :class:`TransportBase`, and:

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
        :meth:`SignalWireTransport.request`.
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
        failure: SignalWireError | None = None
        try:
            async with self._client.stream(
                method, url, params=params, data=data, extensions={"trace": deadline.trace}
            ) as response:
                body = await _read_bounded(response, method, path)
        except httpx.RemoteProtocolError as exc:
            # h11 refuses a Content-Length that is not ASCII digits (or too long) before httpx
            # builds the response: the same broken answer the sync client refuses after it.
            if "Content-Length" in str(exc) and "conflicting" not in str(exc):
                failure = invalid_content_length(method, path)
            else:
                failure = self.transport_failure(exc, method, path, history, sent=True)
        except (httpx.HTTPError, OSError) as exc:
            # Not sent: no connection was made, or none was free in the pool in time.
            sent = not isinstance(
                exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
            )
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
