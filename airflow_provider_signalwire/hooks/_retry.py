"""
When to retry a SignalWire call, and how long to wait before the next attempt.

The policy reads as tenacity sentences: ``retry_if_exception(policy.should_retry)`` with
:class:`WaitForRetry`. Both the synchronous hook and the asynchronous trigger use it, so a task and
a deferred sensor ride out the same failures in the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenacity import retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireRateLimitError,
    SignalWireServerError,
    SignalWireTLSError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tenacity import RetryCallState

#: Server errors worth another attempt; 501, 505 and the like will not heal by waiting.
TRANSIENT_SERVER_STATUSES = frozenset({500, 502, 503, 504})
#: Gateway errors after which the request may have been passed on to SignalWire and applied.
PASSED_ON_STATUSES = frozenset({502, 504})
#: A server that asks for a longer wait than this is treated as a hard rate-limit failure.
MAX_RETRY_AFTER_SECONDS = 120.0
#: Jitter added on top of a server-asked wait: never shortens it, lengthens it by at most 5 %.
RETRY_AFTER_JITTER_FRACTION = 0.05


def is_transient(exc: BaseException) -> bool:
    """
    Tell whether another attempt of an idempotent call could succeed where this one failed.

    Transport failures, 429 (unless the server asked for an unreasonable wait) and 500/502/503/504
    are transient; every other error is permanent.

    :param exc: the error the attempt raised.
    """
    if isinstance(exc, SignalWireTLSError | SignalWireCancelledError):
        return False
    if isinstance(exc, SignalWireConnectionError):
        return True
    if isinstance(exc, SignalWireRateLimitError):
        return not _asks_too_long(exc)
    if isinstance(exc, SignalWireServerError):
        return exc.status_code in TRANSIENT_SERVER_STATUSES and not _asks_too_long(exc)
    return False


def may_have_arrived(exc: BaseException) -> bool:
    """
    Tell whether a failed attempt may still have been applied by SignalWire.

    True for a transport failure after the request may have left (its answer was lost) and for
    a gateway's 502 or 504, which a proxy answers after it may have passed the request on. A
    later 404 to a retried stop or delete then means the earlier attempt did the job.

    :param exc: the error the attempt raised.
    """
    if isinstance(exc, SignalWireConnectionError):
        return exc.maybe_delivered
    return isinstance(exc, SignalWireServerError) and exc.status_code in PASSED_ON_STATUSES


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


def is_provably_undelivered(exc: BaseException) -> bool:
    """
    Tell whether a failed attempt provably did not act on SignalWire, so even a create may repeat.

    That is the case for a connection that was never established and for a 429 refusal.

    :param exc: the error the attempt raised.
    """
    if isinstance(exc, SignalWireConnectionError):
        return not exc.maybe_delivered
    if isinstance(exc, SignalWireRateLimitError):
        return not _asks_too_long(exc)
    return False


def _asks_too_long(exc: SignalWireRateLimitError | SignalWireServerError) -> bool:
    return exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER_SECONDS


def _failure_to_retry(retry_state: RetryCallState) -> SignalWireError:
    """
    Return the error of the attempt that just failed.

    tenacity asks for the wait and calls ``before_sleep`` only after a failed attempt that
    ``should_retry`` accepted, and every :class:`RetryPolicy` accepts only :class:`SignalWireError`.
    """
    assert retry_state.outcome is not None
    exc = retry_state.outcome.exception()
    assert isinstance(exc, SignalWireError)
    return exc


@dataclass(frozen=True)
class RetryPolicy:
    """
    Which failures a call may retry.

    :param name: short description for logs.
    :param idempotent: whether repeating the call is harmless (reads, updates to a final state).
    """

    name: str
    idempotent: bool

    def should_retry(self, exc: BaseException) -> bool:
        """Tell whether ``exc`` is worth another attempt under this policy."""
        return is_transient(exc) and (self.idempotent or is_provably_undelivered(exc))


#: Reads and calls that set a final state (stop a stream, end a conference).
IDEMPOTENT = RetryPolicy("idempotent", idempotent=True)
#: Calls that create something (start a stream): repeat only what never reached SignalWire.
CREATE = RetryPolicy("create", idempotent=False)


class WaitForRetry(wait_base):
    """
    Wait what the server asked for (``Retry-After``), else back off exponentially with jitter.

    A server-asked wait gets at most 5 % (and at most one second) of jitter on top and is never cut
    by ``max_backoff``; the exponential wait is ``initial * 2 ** (attempt - 1)`` plus up to
    ``initial`` of jitter, capped at ``max_backoff``.

    :param initial_backoff: seconds before the second attempt.
    :param max_backoff: cap of the exponential wait, in seconds.
    """

    def __init__(self, initial_backoff: float, max_backoff: float) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        """Return the seconds to sleep before the next attempt."""
        asked = _failure_to_retry(retry_state).retry_after
        if asked is not None:
            return asked + random.uniform(  # noqa: S311 - jitter, not cryptography
                0.0, min(1.0, asked * RETRY_AFTER_JITTER_FRACTION)
            )
        exponential = self.initial_backoff * 2.0 ** (int(retry_state.attempt_number) - 1)
        jitter = random.uniform(0.0, self.initial_backoff)  # noqa: S311
        return min(self.max_backoff, exponential + jitter)


def retry_loop_arguments(
    policy: RetryPolicy,
    max_attempts: int,
    initial_backoff: float,
    max_backoff: float,
    logger: Any,
) -> dict[str, Any]:
    """
    Return the arguments of tenacity's ``Retrying``/``AsyncRetrying`` for one policy.

    The sync and async transports build the same loop from them (each adds its own ``sleep``).

    :param policy: which failures may be retried.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt.
    :param max_backoff: cap of the exponential wait.
    :param logger: where the retry WARNING lines go.
    """
    return {
        "stop": stop_after_attempt(max_attempts),
        "wait": WaitForRetry(initial_backoff, max_backoff),
        "retry": retry_if_exception(policy.should_retry),
        "before_sleep": log_retry(logger, max_attempts),
        "reraise": True,
    }


def log_retry(logger: Any, max_attempts: int) -> Callable[[RetryCallState], None]:
    """
    Build tenacity's ``before_sleep`` hook: one WARNING line per retry, saying why and how long.

    The line is the failed attempt's own error message (refused, did not resolve, the status
    and SignalWire's code, timed out), so it reads as the final error would, then the attempt
    and the wait.

    :param logger: where the line goes.
    :param max_attempts: the call's attempts, for "attempt n of max".
    """

    def log(retry_state: RetryCallState) -> None:
        exc = _failure_to_retry(retry_state)
        assert retry_state.next_action is not None  # tenacity decides the wait before this hook
        logger.warning(
            "%s (attempt %d of %d); retrying in %.2fs",
            exc.message,
            retry_state.attempt_number,
            max_attempts,
            retry_state.next_action.sleep,
        )

    return log
