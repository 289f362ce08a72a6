"""
The retry decisions (``hooks/_retry.py``) as tables: which failure is retried, and how long to wait.

Each row is one rule of the specification, named by its test id; the values are exact (the jitter
is pinned to its lower and upper bound).
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Any

import pytest
from tenacity import RetryAction, RetryCallState, Retrying

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireTLSError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._errors import retry_after_seconds
from airflow_provider_signalwire.hooks._retry import (
    CREATE,
    IDEMPOTENT,
    MAX_RETRY_AFTER_SECONDS,
    WaitForRetry,
    is_provably_undelivered,
    is_transient,
    log_retry,
)


def server(status: int, retry_after: float | None = None) -> SignalWireServerError:
    return SignalWireServerError(f"{status}", status_code=status, retry_after=retry_after)


def rate_limited(retry_after: float | None = None) -> SignalWireRateLimitError:
    return SignalWireRateLimitError("429", status_code=429, retry_after=retry_after)


# -- which failures are retried ----------------------------------------------------------------

# error, is_transient, is_provably_undelivered, retried by IDEMPOTENT, retried by CREATE, id
DECISIONS: list[tuple[BaseException, bool, bool, bool, bool, str]] = [
    (
        SignalWireConnectionError("x", maybe_delivered=False),
        True, True, True, True,
        "a connection never established is retried even for a create",
    ),
    (
        SignalWireConnectionError("x", maybe_delivered=True),
        True, False, True, False,
        "a transport failure that may have arrived is retried for reads and stops only",
    ),
    (
        SignalWireTLSError("x"),
        False, True, False, False,
        "an untrusted certificate is never retried",
    ),
    (
        rate_limited(),
        True, True, True, True,
        "a 429 without Retry-After is retried even for a create",
    ),
    (
        rate_limited(MAX_RETRY_AFTER_SECONDS),
        True, True, True, True,
        "a 429 asking for exactly the longest wait is retried",
    ),
    (
        rate_limited(MAX_RETRY_AFTER_SECONDS + 0.5),
        False, False, False, False,
        "a 429 asking for longer than the longest wait fails at once",
    ),
    (server(500), True, False, True, False, "a 500 is retried for reads and stops only"),
    (server(502), True, False, True, False, "a 502 is retried for reads and stops only"),
    (server(503), True, False, True, False, "a 503 is retried for reads and stops only"),
    (server(504), True, False, True, False, "a 504 is retried for reads and stops only"),
    (
        server(503, MAX_RETRY_AFTER_SECONDS + 1),
        False, False, False, False,
        "a 503 asking for longer than the longest wait fails at once",
    ),
    (server(501), False, False, False, False, "a 501 will not heal and is not retried"),
    (server(505), False, False, False, False, "a 505 will not heal and is not retried"),
    (
        SignalWireRequestError("x", status_code=400),
        False, False, False, False,
        "a 400 is not retried",
    ),
    (
        SignalWireAuthError("x", status_code=401),
        False, False, False, False,
        "a 401 is not retried",
    ),
    (
        SignalWireNotFoundError("x", status_code=404),
        False, False, False, False,
        "a 404 is not retried",
    ),
    (
        SignalWireResponseError("x", status_code=200),
        False, False, False, False,
        "a malformed success is not retried",
    ),
    (
        SignalWireValidationError("x"),
        False, False, False, False,
        "bad input is not retried",
    ),
    (ValueError("x"), False, False, False, False, "an error from outside the provider is not retried"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("exc", "transient"), [row[:2] for row in DECISIONS], ids=[row[5] for row in DECISIONS]
)
def test_is_transient(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


@pytest.mark.parametrize(
    ("exc", "undelivered"),
    [(row[0], row[2]) for row in DECISIONS],
    ids=[row[5] for row in DECISIONS],
)
def test_is_provably_undelivered(exc: BaseException, undelivered: bool) -> None:
    assert is_provably_undelivered(exc) is undelivered


@pytest.mark.parametrize(
    ("exc", "idempotent", "create"),
    [(row[0], row[3], row[4]) for row in DECISIONS],
    ids=[row[5] for row in DECISIONS],
)
def test_policy_should_retry(exc: BaseException, idempotent: bool, create: bool) -> None:
    assert IDEMPOTENT.should_retry(exc) is idempotent
    assert CREATE.should_retry(exc) is create


def test_the_two_policies() -> None:
    assert (IDEMPOTENT.name, IDEMPOTENT.idempotent) == ("idempotent", True)
    assert (CREATE.name, CREATE.idempotent) == ("create", False)


# -- Retry-After -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 22, 0, 0, tzinfo=timezone.utc)

RETRY_AFTER: list[tuple[dict[str, str], float | None, str]] = [
    ({"Retry-After": "7"}, 7.0, "whole seconds"),
    ({"Retry-After": "1.5"}, 1.5, "fractional seconds"),
    ({"Retry-After": " 7 "}, 7.0, "seconds with spaces around them"),
    ({"Retry-After": "0"}, None, "zero seconds would be a burst: ignored"),
    ({"Retry-After": "0.0"}, None, "zero as a decimal too"),
    ({"Retry-After": "0.25"}, 0.25, "a fraction of a second above zero"),
    ({"Retry-After": "-3"}, None, "negative seconds are ignored"),
    ({"Retry-After": "nan"}, None, "NaN is ignored"),
    ({"Retry-After": "inf"}, None, "infinity is ignored"),
    ({"retry-after": "4"}, 4.0, "a lower-case header name"),
    ({"Retry-After": "Wed, 25 Nov 2026 22:00:20 GMT"}, 20.0, "an HTTP date 20 seconds ahead"),
    ({"Retry-After": "Wed, 25 Nov 2026 22:00:01 GMT"}, 1.0, "an HTTP date one second ahead"),
    ({"Retry-After": "Wed, 25 Nov 2026 22:02:00 +0000"}, 120.0, "a date with a numeric zone"),
    ({"Retry-After": "Wed, 25 Nov 2026 22:00:30 -0000"}, 30.0, "a date in an unknown zone is UTC"),
    ({"Retry-After": "Wed, 25 Nov 2026 21:59:00 GMT"}, None, "a date in the past is ignored"),
    ({"Retry-After": "Wed, 25 Nov 2026 22:00:00 GMT"}, None, "a date of now is ignored"),
    ({"Retry-After": "soon"}, None, "words are unreadable"),
    ({"Retry-After": ""}, None, "an empty value is unreadable"),
    ({}, None, "no header is no wait asked"),
]


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [row[:2] for row in RETRY_AFTER],
    ids=[row[2] for row in RETRY_AFTER],
)
def test_retry_after_seconds(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(headers, now=NOW) == seconds


# -- how long to wait --------------------------------------------------------------------------


def attempt_failed(attempt: int, exc: BaseException) -> RetryCallState:
    """The state tenacity hands the wait after attempt number ``attempt`` raised ``exc``."""
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


TRANSPORT = SignalWireConnectionError("x")
# attempt, error, initial_backoff, max_backoff, shortest and longest wait, id
WAITS: list[tuple[int, SignalWireError, float, float, float, float, str]] = [
    (1, TRANSPORT, 1.0, 30.0, 1.0, 2.0, "after the first attempt: the initial backoff plus up to as much jitter"),
    (2, TRANSPORT, 1.0, 30.0, 2.0, 3.0, "after the second attempt the backoff doubles"),
    (3, TRANSPORT, 1.0, 30.0, 4.0, 5.0, "after the third it doubles again"),
    (5, TRANSPORT, 1.0, 30.0, 16.0, 17.0, "after the fifth it is sixteen times the initial backoff"),
    (6, TRANSPORT, 1.0, 30.0, 30.0, 30.0, "the exponential wait never passes max_backoff"),
    (1, TRANSPORT, 0.5, 30.0, 0.5, 1.0, "the jitter is at most the initial backoff"),
    (1, server(503), 0.5, 30.0, 0.5, 1.0, "a 503 without Retry-After backs off exponentially"),
    (1, rate_limited(), 0.5, 30.0, 0.5, 1.0, "a 429 without Retry-After backs off exponentially"),
    (1, rate_limited(7.0), 1.0, 30.0, 7.0, 7.35, "Retry-After is waited plus at most 5 percent"),
    (4, rate_limited(7.0), 1.0, 30.0, 7.0, 7.35, "Retry-After does not grow with the attempts"),
    (1, rate_limited(100.0), 1.0, 30.0, 100.0, 101.0, "the jitter on Retry-After is at most one second"),
    (1, server(503, 60.0), 1.0, 1.0, 60.0, 61.0, "Retry-After is never cut by max_backoff"),
    (1, rate_limited(0.0), 1.0, 30.0, 0.0, 0.0, "Retry-After zero is no wait at all"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("attempt", "exc", "initial", "cap", "shortest", "longest"),
    [row[:6] for row in WAITS],
    ids=[row[6] for row in WAITS],
)
def test_wait_before_the_next_attempt(
    monkeypatch: pytest.MonkeyPatch,
    attempt: int,
    exc: SignalWireError,
    initial: float,
    cap: float,
    shortest: float,
    longest: float,
) -> None:
    wait = WaitForRetry(initial, cap)
    state = attempt_failed(attempt, exc)

    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    assert wait(state) == pytest.approx(shortest)
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert wait(state) == pytest.approx(longest)


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, message: str, *args: Any) -> None:
        self.lines.append(message % args)


LOG_LINES = [
    (
        SignalWireServerError(
            "SignalWire answered 503 Service Unavailable to GET /p: code 20503; busy",
            status_code=503,
            method="GET",
            path="/p",
        ),
        "SignalWire answered 503 Service Unavailable to GET /p: code 20503; busy "
        "(attempt 2 of 5); retrying in 1.50s",
        "an HTTP failure is logged with its status, code and message",
    ),
    (
        SignalWireConnectionError(
            "SignalWire request GET /p to a.example:443 failed: connection refused",
            method="GET",
            path="/p",
        ),
        "SignalWire request GET /p to a.example:443 failed: connection refused "
        "(attempt 2 of 5); retrying in 1.50s",
        "a transport failure is logged with its reason",
    ),
]


@pytest.mark.parametrize(
    ("exc", "line"), [row[:2] for row in LOG_LINES], ids=[row[2] for row in LOG_LINES]
)
def test_each_retry_logs_one_warning_line(exc: SignalWireError, line: str) -> None:
    state = attempt_failed(2, exc)
    state.next_action = RetryAction(1.5)
    logger = Recorder()

    log_retry(logger, max_attempts=5)(state)

    assert logger.lines == [line]
