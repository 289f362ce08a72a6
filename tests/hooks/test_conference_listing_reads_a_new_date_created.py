"""
A conference listed again with only its ``date_created`` changed is read again, not kept.

The index keeps the copy read before only when nothing it reads has changed; ``created`` is
what the conference-events trigger judges an odd-dated conference by.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from airflow_provider_signalwire.hooks._conferences import index_listing, run_slices


def conference(created: str) -> dict[str, Any]:
    return {
        "sid": "CF1",
        "friendly_name": "room",
        "status": "init",
        "date_updated": "Wed, 01 Jan 2030 12:00:00 +0000",
        "date_created": created,
    }


def test_a_new_date_created_alone_is_read_again() -> None:
    first = run_slices(index_listing([conference("Wed, 01 Jan 2030 11:00:00 +0000")], None, 1))
    again = conference("Wed, 01 Jan 2030 11:30:00 +0000")

    second = run_slices(index_listing([again], first, 2))

    assert second.by_sid["CF1"].created == datetime(2030, 1, 1, 11, 30, tzinfo=timezone.utc)
    assert second.by_sid["CF1"].conference is again
