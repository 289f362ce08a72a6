"""
A listed conference whose status is not a string ranks as an unknown status: ``-1``.

It never outranks a known status, and it ties with an unknown string status, so that between
two such copies of one conference the newer ``date_updated`` wins.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_signalwire.hooks._conferences import index_listing, run_slices

EARLY = "Wed, 01 Jan 2030 12:00:00 +0000"
LATE = "Wed, 01 Jan 2030 12:00:09 +0000"


def copy(status: Any, updated: str) -> dict[str, Any]:
    return {"sid": "CF1", "friendly_name": "room", "status": status, "date_updated": updated}


@pytest.mark.parametrize("status", [None, 1, ["init"]])
def test_a_status_that_is_not_a_string_ranks_as_unknown(status: Any) -> None:
    index = run_slices(index_listing([copy(status, EARLY)], None, 1))

    assert (index.by_sid["CF1"].status, index.by_sid["CF1"].rank) == (str(status), -1)


#: Copies of one conference -> the one kept (its position).
COPIES = {
    "loses to init, however new": ([copy(None, LATE), copy("init", EARLY)], 1),
    "ties with an unknown string status: the newer wins": (
        [copy(None, LATE), copy("ended", EARLY)],
        0,
    ),
    "an unknown string status, newer, wins the tie": (
        [copy(None, EARLY), copy("ended", LATE)],
        1,
    ),
}


@pytest.mark.parametrize(("copies", "kept"), COPIES.values(), ids=list(COPIES))
def test_which_copy_wins_against_a_status_that_is_not_a_string(
    copies: list[dict[str, Any]], kept: int
) -> None:
    index = run_slices(index_listing(copies, None, 1))

    assert index.by_sid["CF1"].conference is copies[kept]
