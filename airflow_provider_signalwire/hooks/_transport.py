"""
The one request path of the synchronous hook: session, timeouts, bounded reads, retries, errors.

Kept apart from :mod:`airflow_provider_signalwire.hooks.signalwire` so that the hook reads as the
list of API actions, and this module as the place where ``requests`` is used.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import Retrying

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import SignalWireConnectionError, SignalWireError
from airflow_provider_signalwire.hooks._attempts import DeliveryHistory, TransportBase, final_error
from airflow_provider_signalwire.hooks._body import (
    check_declared_length,
    content_encoding,
    inflate_bounded,
)
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    Answer,
    body_too_large,
    cancelled_error,
    deadline_error,
)
from airflow_provider_signalwire.hooks._inflight import Attempt, InFlight, WatchedAdapter
from airflow_provider_signalwire.hooks._retry import IDEMPOTENT, RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_signalwire.hooks._settings import SignalWireSettings

USER_AGENT = f"airflow-provider-signalwire/{__version__} python-requests/{requests.__version__}"

Query = Mapping[str, str] | list[tuple[str, str]]


_CHUNK = 64 * 1024
_TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


def _cut_off_error(
    attempt: Attempt, method: str, path: str, origin: str, failure: SignalWireConnectionError | None
) -> SignalWireConnectionError:
    """The error of an attempt the watchdog or a kill ended."""
    if attempt.timed_out:
        return deadline_error(method, path, origin=origin, seconds=attempt.read_timeout)
    delivered = failure.maybe_delivered if failure is not None else True
    return cancelled_error(method, path, origin=origin, maybe_delivered=delivered)


def _is_connect_failure(exc: requests.RequestException) -> bool:
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

    Takes the arguments of :class:`~airflow_provider_signalwire.hooks._attempts.TransportBase`, and:

    :param pool_size: connections kept open; match it to the number of threads sharing this.
    :param sleep: how to wait between attempts (tests pass a fake); by default a wait that a
        kill (:meth:`abort`) ends at once.
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        pool_size: int,
        sleep: Callable[[float], Any] | None = None,
        **knobs: Any,
    ) -> None:
        super().__init__(settings, **knobs)
        self._inflight = InFlight()
        # Waiting between attempts ends early when the task is killed.
        self._killed = threading.Event()
        self.sleep: Callable[[float], Any] = sleep or self._killed.wait
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

    def abort(self) -> None:
        """
        Stop for good, as a killed task must: no new request starts, those in flight end now.

        Safe to call from another thread or from a signal handler.
        """
        self._killed.set()
        self._inflight.abort()

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
        if self._killed.is_set():
            raise cancelled_error(method, path, origin=origin, maybe_delivered=False)
        # The transport error is raised outside the except block so that it carries no
        # __context__: the requests exception holds the prepared request, Authorization included.
        failure: SignalWireConnectionError | None = None
        attempt = self._inflight.begin(self.settings.read_timeout)
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
            if not attempt.cut_off and not isinstance(exc, _TRANSPORT_ERRORS):
                raise
            sent = not (isinstance(exc, requests.RequestException) and _is_connect_failure(exc))
            failure = self.transport_failure(exc, method, path, history, sent=sent)
        finally:
            self._inflight.end(attempt)
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
