"""
Numeric constructor arguments (knobs): counts and seconds, checked when the DAG file is parsed.

A knob that is NaN, infinite, zero or negative where that makes no sense, or absurdly large, is
refused with :class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError` naming
the argument and its value. NaN is the dangerous one: every comparison with it is false, so a
check written as ``value < 0`` lets it through, and ``sleep(nan)`` or ``timedelta(seconds=nan)``
then fail far from the cause (or, in a poller, never wake). Only the standard library is used, so
any module can check its knobs at import-light cost.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError

#: Most requests one API call may make (the first one included).
MAX_ATTEMPTS = 100
#: Longest wait between two attempts, in seconds (one hour).
MAX_BACKOFF_SECONDS = 3600.0
#: Longest time between two looks of a sensor or trigger, in seconds (one day).
MAX_INTERVAL_SECONDS = 86400.0
#: Longest wait a sensor may be given in total, in seconds (366 days).
MAX_WAIT_SECONDS = 366 * 86400.0


def _shown(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"<int of {len(str(abs(value))) if abs(value) < 10**4000 else 'over 4000'} digits>"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _refuse(parameter: str, value: object, expected: str) -> SignalWireValidationError:
    return SignalWireValidationError(f"Invalid {parameter} {_shown(value)}: expected {expected}.")


def check_count(parameter: str, value: Any, *, high: int, low: int = 1) -> int:
    """
    Return ``value`` if it is a whole number from ``low`` to ``high``.

    :param parameter: name of the argument, used in the error message.
    :param value: the value to check; ``bool``, floats and strings are refused.
    :param high: the largest sensible value.
    :param low: the smallest sensible value.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(parameter, value, f"a whole number from {low} to {high}")
    return value


def check_seconds(
    parameter: str,
    value: Any,
    *,
    high: float,
    zero_ok: bool = False,
) -> float:
    """
    Return ``value`` in seconds if it is a finite duration within bounds.

    :param parameter: name of the argument, used in the error message.
    :param value: seconds as an ``int`` or ``float``, or a ``timedelta``. NaN, infinities,
        ``bool``, strings and other types are refused.
    :param high: the longest sensible duration, in seconds.
    :param zero_ok: whether 0 makes sense (a backoff of 0 means "retry at once"; an interval of 0
        means a busy loop and is refused).
    """
    low = "0 <= s" if zero_ok else "0 < s"
    expected = f"seconds, {low} <= {high:g}"
    seconds: float
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise _refuse(parameter, value, expected)
    elif isinstance(value, int):
        if abs(value) > 10**18:  # float() of a huge int raises OverflowError
            raise _refuse(parameter, value, expected)
        seconds = float(value)
    elif isinstance(value, float):
        seconds = value
    else:
        raise _refuse(parameter, value, expected)
    if (
        not math.isfinite(seconds)
        or seconds < 0
        or (seconds == 0 and not zero_ok)
        or seconds > high
    ):
        raise _refuse(parameter, value, expected)
    return seconds


def check_retry_knobs(max_attempts: Any, initial_backoff: Any, max_backoff: Any) -> None:
    """
    Refuse retry settings that make no sense, naming the bad value.

    :param max_attempts: requests per call: 1 to :data:`MAX_ATTEMPTS`.
    :param initial_backoff: seconds before the second attempt: 0 to :data:`MAX_BACKOFF_SECONDS`.
    :param max_backoff: cap of the exponential wait: 0 to :data:`MAX_BACKOFF_SECONDS`.
    """
    check_count("max_attempts", max_attempts, high=MAX_ATTEMPTS)
    check_seconds("initial_backoff", initial_backoff, high=MAX_BACKOFF_SECONDS, zero_ok=True)
    check_seconds("max_backoff", max_backoff, high=MAX_BACKOFF_SECONDS, zero_ok=True)
