"""
The one request path of the synchronous hook: session, timeouts, bounded reads, retries, errors.

Kept apart from :mod:`airflow_provider_signalwire.hooks.signalwire` so that the hook reads as the
list of API actions, and this module as the single place that knows HTTP.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
)
from airflow_provider_signalwire.responses import (
    MAX_BODY_BYTES,
    body_too_large,
    result_from_answer,
)
from airflow_provider_signalwire.retry import (
    IDEMPOTENT,
    RetryPolicy,
    WaitForRetry,
    log_retry,
    note_attempts,
    transport_error,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Mapping

    from airflow_provider_signalwire.connection import SignalWireSettings

USER_AGENT = f"airflow-provider-signalwire/{__version__} python-requests/{requests.__version__}"


def _is_connect_failure(exc: requests.RequestException) -> bool:
    """Tell whether the connection was never established, so the request never left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError
    )


class SignalWireTransport:
    """
    Send requests to one SignalWire Space over a keep-alive session, with retries.

    :param settings: where to connect and with which credentials.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt (doubles each time, plus jitter).
    :param max_backoff: cap of the exponential wait, in seconds (not of a server-asked wait).
    :param pool_size: connections kept open; match it to the number of threads sharing this.
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
        pool_size: int,
        logger: logging.Logger | Any,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.log = logger
        self.sleep = sleep
        self._retryings: dict[tuple[RetryPolicy, int], Retrying] = {}
        self.session = requests.Session()
        self.session.auth = (settings.project_id, settings.token)
        self.session.verify = settings.verify
        self.session.trust_env = False
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # pool_block keeps threads waiting for a free connection instead of opening (and then
        # discarding) extra ones, so a bulk run never holds more sockets than it was sized for.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, pool_block=True)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        data: Mapping[str, str] | None = None,
        policy: RetryPolicy = IDEMPOTENT,
        max_attempts: int | None = None,
    ) -> dict[str, Any] | None:
        """
        Send one API call, retried as ``policy`` allows, and return its JSON object.

        :param method: HTTP method.
        :param path: URL path, already validated and encoded.
        :param params: query parameters.
        :param data: form fields (sent ``application/x-www-form-urlencoded``).
        :param policy: which failures may be retried.
        :param max_attempts: overrides the transport's attempts for this call.
        :return: the answer's JSON object, or ``None`` for ``204 No Content``.
        :raises SignalWireError: a subclass naming what went wrong, after the retries.
        """
        url = f"{self.settings.base_url}{path}"
        maybe_delivered_before = False
        retrying = self._retrying(policy, max_attempts or self.max_attempts)
        try:
            for attempt in retrying:
                with attempt:
                    try:
                        return self._send_once(method, url, path, params, data)
                    except SignalWireError as err:
                        if isinstance(err, SignalWireNotFoundError) and maybe_delivered_before:
                            err.after_lost_response = True
                        if isinstance(err, SignalWireConnectionError) and err.maybe_delivered:
                            maybe_delivered_before = True
                        raise
        except SignalWireError as err:
            note_attempts(err, retrying.statistics)
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _retrying(self, policy: RetryPolicy, attempts: int) -> Retrying:
        """
        Return the retry loop for a policy, built once: building one costs more than a request.

        Sharing is safe: tenacity keeps each call's state in thread-local storage.
        """
        key = (policy, attempts)
        retrying = self._retryings.get(key)
        if retrying is None:
            retrying = Retrying(
                stop=stop_after_attempt(attempts),
                wait=WaitForRetry(self.initial_backoff, self.max_backoff),
                retry=retry_if_exception(policy.should_retry),
                before_sleep=log_retry(self.log, attempts),
                sleep=lambda seconds: self.sleep(seconds),
                reraise=True,
            )
            self._retryings[key] = retrying
        return retrying

    def _send_once(
        self,
        method: str,
        url: str,
        path: str,
        params: Mapping[str, str] | list[tuple[str, str]] | None,
        data: Mapping[str, str] | None,
    ) -> dict[str, Any] | None:
        # The transport error is raised outside the except block so that it carries no
        # __context__: the requests exception holds the prepared request, Authorization included.
        failure: SignalWireConnectionError | None = None
        try:
            response = self.session.request(
                method,
                url,
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
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            never_sent = isinstance(exc, requests.RequestException) and _is_connect_failure(exc)
            failure = transport_error(exc, method, path, never_sent=never_sent)
        if failure is not None:
            raise failure
        return result_from_answer(
            response.status_code,
            response.headers,
            body,
            method=method,
            path=path,
            reason=response.reason or "",
        )

    @staticmethod
    def _read_bounded(response: requests.Response, method: str, path: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise body_too_large(status=response.status_code, method=method, path=path)
        body = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True) or b""
        if len(body) > MAX_BODY_BYTES:
            raise body_too_large(status=response.status_code, method=method, path=path)
        return body
