"""The skip summary behind the last line of ``scripts/test``: one count per reason."""

from __future__ import annotations

from types import SimpleNamespace

from signalwire_test_support import skip_reasons


def test_counts_skipped_tests_by_reason_without_pytests_prefix() -> None:
    reports = [
        SimpleNamespace(longrepr=("a.py", 3, "Skipped: BROWSER TESTS NOT RUN: missing Chromium")),
        SimpleNamespace(longrepr=("b.py", 9, "Skipped: BROWSER TESTS NOT RUN: missing Chromium")),
        SimpleNamespace(longrepr=("c.py", 1, "Skipped: runs only against the built wheel")),
    ]
    assert skip_reasons(reports) == {
        "BROWSER TESTS NOT RUN: missing Chromium": 2,
        "runs only against the built wheel": 1,
    }


def test_no_skips_give_no_reasons() -> None:
    assert skip_reasons([]) == {}
