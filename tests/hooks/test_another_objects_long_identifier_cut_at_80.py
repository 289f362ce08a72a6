"""
An answer naming another object than the one asked for shows that object's identifier cut short.

The refusal shows at most 80 characters of the identifier SignalWire sent (its ``repr``, the last
three characters then ``...``), as the refusal of another stream does, so a huge answer keeps the
message readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._api import (
    checked_conference,
    checked_participant,
    checked_recording,
)

if TYPE_CHECKING:
    from collections.abc import Callable

LONG = "x" * 200
SHOWN = f"'{'x' * 76}..."

OTHERS: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: checked_conference({"sid": LONG, "status": "completed"}, "CF1", "GET", "/p"), f"another object (sid {SHOWN}, asked 'CF1')", "another conference"),
    (lambda: checked_participant({"call_sid": LONG}, "CA1", "POST", "/p"), f"another object (call_sid {SHOWN}, asked 'CA1')", "another participant"),
    (lambda: checked_recording({"sid": LONG}, "RE1", "GET", "/p"), f"another object (sid {SHOWN}, asked 'RE1')", "another recording"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check", "problem"), [row[:2] for row in OTHERS], ids=[row[2] for row in OTHERS]
)
def test_another_objects_long_identifier_is_cut_at_80_characters(
    check: Callable[[], Any], problem: str
) -> None:
    with pytest.raises(SignalWireResponseError) as refused:
        check()

    assert str(refused.value).endswith(f" /p with {problem}")


def test_an_identifier_of_80_characters_is_shown_whole() -> None:
    sid = "x" * 78  # its repr, quotes included, is 80 characters

    with pytest.raises(SignalWireResponseError) as refused:
        checked_conference({"sid": sid, "status": "completed"}, "CF1", "GET", "/p")

    assert str(refused.value) == (
        f"SignalWire answered GET /p with another object (sid {sid!r}, asked 'CF1')"
    )
