"""
What both transports share around each call: the retry knobs, the loop's parts, the attempt history.

:class:`TransportBase` holds a transport's settings and retry knobs and builds the parts of its
tenacity loop once per policy; :class:`DeliveryHistory` remembers whether an earlier attempt of the
call may have reached SignalWire; :func:`final_error` is the error a call ends with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._errors import (
    Answer,
    after_attempts,
    result_from_answer,
    transport_error,
)
from airflow_provider_signalwire.hooks._retry import may_have_arrived, retry_loop_arguments

if TYPE_CHECKING:
    import logging
    from collections.abc import Mapping

    from airflow_provider_signalwire.exceptions import SignalWireConnectionError
    from airflow_provider_signalwire.hooks._retry import RetryPolicy
    from airflow_provider_signalwire.hooks._settings import SignalWireSettings


class DeliveryHistory:
    """Whether an earlier attempt of one call may have reached SignalWire before it failed."""

    def __init__(self) -> None:
        self.maybe_delivered = False

    def note(self, failure: SignalWireError) -> None:
        """
        Remember a failed attempt; a later 404 then may mean the attempt did the job.

        That is so after a transport failure once the request may have left, and after a
        gateway's 502 or 504 (:func:`~airflow_provider_signalwire.hooks._retry.may_have_arrived`).
        """
        self.maybe_delivered = self.maybe_delivered or may_have_arrived(failure)


def final_error(error: SignalWireError, statistics: Mapping[str, Any]) -> SignalWireError:
    """
    The error a call ends with: the last attempt's, saying how many attempts were made.

    :param error: the error tenacity re-raised.
    :param statistics: the loop's statistics (``attempt_number``, ``idle_for``).
    """
    attempts = int(statistics.get("attempt_number", 1))
    return after_attempts(error, attempts, float(statistics.get("idle_for", 0.0)))


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
