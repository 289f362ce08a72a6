"""The poller's floor date: SignalWire's yesterday, and which conferences count as created since."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_signalwire.hooks import _conference_poller


def local_yesterday() -> date:
    return datetime.now(timezone.utc).date() - timedelta(days=1)


def test_yesterday_is_the_day_before_today_in_utc(machine_zone: str) -> None:
    before = local_yesterday()
    found = _conference_poller._yesterday()
    assert found in {before, local_yesterday()}  # midnight may pass in between


@pytest.mark.parametrize("hour", [1, 11, 23])
@pytest.mark.parametrize("days_ahead", [-2, 0, 1, 3])
def test_signalwire_s_yesterday_follows_signalwire_s_date(
    days_ahead: int, hour: int, machine_zone: str
) -> None:
    # SignalWire's day is its UTC day, whatever the machine's zone and the moment of the test.
    utc_day = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0)
    server_now = utc_day + timedelta(days=days_ahead)
    found = _conference_poller._server_yesterday(server_now)
    assert found == server_now.date() - timedelta(days=1)


def test_without_signalwire_s_clock_yesterday_is_the_local_one(machine_zone: str) -> None:
    before = local_yesterday()
    assert _conference_poller._server_yesterday(None) in {before, local_yesterday()}


FLOOR = date(2030, 1, 10)


@pytest.mark.parametrize(
    ("created", "since"),
    [
        ("Thu, 10 Jan 2030 00:00:00 +0000", True),
        ("Fri, 11 Jan 2030 12:00:00 +0000", True),
        ("Wed, 09 Jan 2030 23:59:59 +0000", False),
        ("garbage", False),
        (None, False),
    ],
)
def test_created_since_the_floor_includes_the_floor_day(created: Any, since: bool) -> None:
    conference = {"sid": "CF1", "date_created": created}
    assert _conference_poller._created_since(conference, FLOOR) is since
