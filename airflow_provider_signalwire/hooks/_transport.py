"""
The one request path of the synchronous hook: session, timeouts, bounded reads, retries, errors.

Kept apart from :mod:`airflow_provider_signalwire.hooks.signalwire` so that the hook reads as the
list of API actions, and this module as the place where ``requests`` is used.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import Retrying

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.exceptions import SignalWireConnectionError, SignalWireError
from airflow_provider_signalwire.hooks._body import check_declared_length
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
    from collections.abc import Callable

    from airflow_provider_signalwire.hooks._settings import SignalWireSettings

USER_AGENT = f"airflow-provider-signalwire/{__version__} python-requests/{requests.__version__}"

Query = Mapping[str, str] | list[tuple[str, str]]


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
        params: Query | None = None,
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
        failure: SignalWireError | None = None
        try:
            for attempt in retrying:
                with attempt:
                    try:
                        return self._send_once(
                            method, url, path, params, data, maybe_delivered_before
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

    def _retrying(self, policy: RetryPolicy, attempts: int) -> Retrying:
        """
        Return the retry loop for a policy, built once: building one costs more than a request.

        Sharing is safe: tenacity keeps each call's state in thread-local storage.
        """
        key = (policy, attempts)
        retrying = self._retryings.get(key)
        if retrying is None:
            retrying = Retrying(
                **retry_loop_arguments(
                    policy, attempts, self.initial_backoff, self.max_backoff, self.log
                ),
                sleep=lambda seconds: self.sleep(seconds),
            )
            self._retryings[key] = retrying
        return retrying

    def _send_once(
        self,
        method: str,
        url: str,
        path: str,
        params: Query | None,
        data: Mapping[str, str] | None,
        after_lost_response: bool,
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
            reason=response.reason or "",
            after_lost_response=after_lost_response,
        )

    @staticmethod
    def _read_bounded(response: requests.Response, method: str, path: str) -> bytes:
        status = response.status_code
        check_declared_length(response.headers, status=status, method=method, path=path)
        body = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True) or b""
        if len(body) > MAX_BODY_BYTES:
            raise body_too_large(status=status, method=method, path=path)
        return body
