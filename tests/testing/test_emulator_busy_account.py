"""The emulator behaving as a busy SignalWire: its clock, hidden conferences, stale copies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from conftest import Api

ABSURD = datetime(2099, 1, 1, tzinfo=timezone.utc)


def admin(api: Api, method: str, path: str, **form: Any) -> requests.Response:
    return requests.request(method, f"{api.emu.url}/_emulator/{path}", data=form, timeout=5)


def listed(api: Api) -> list[tuple[str, str]]:
    answer = api.get(f"{api.base}/Conferences.json")
    return [(c["sid"], c["status"]) for c in answer.json()["conferences"]]


def date_header(api: Api) -> datetime:
    return parsedate_to_datetime(api.get(api.conference()).headers["Date"])


class TestClock:
    @pytest.mark.parametrize("offset", [600, -600])
    def test_offset_moves_dates_and_the_date_header(self, api: Api, offset: int) -> None:
        api.emu.clock_offset = offset
        real = datetime.now(timezone.utc)
        made = api.emu.add_conference("skewed", "in-progress")
        updated = parsedate_to_datetime(made["date_updated"])
        assert abs((updated - real).total_seconds() - offset) < 3
        assert abs((date_header(api) - real).total_seconds() - offset) < 3
        assert abs((api.emu.server_now() - real).total_seconds() - offset) < 1

    def test_the_clock_endpoint(self, api: Api) -> None:
        assert admin(api, "POST", "clock", Offset="-90").json()["offset"] == -90.0
        assert api.emu.clock_offset == -90.0
        now = datetime.fromisoformat(admin(api, "GET", "clock").json()["now"])
        assert abs((now - datetime.now(timezone.utc)).total_seconds() + 90) < 2

    @pytest.mark.parametrize("bad", ["soon", "nan", "inf"])
    def test_the_clock_endpoint_refuses_a_bad_offset(self, api: Api, bad: str) -> None:
        answer = admin(api, "POST", "clock", Offset=bad)
        assert answer.status_code == 422
        assert "Offset" in answer.text
        assert api.emu.clock_offset == 0.0

    def test_offset_survives_a_reset(self, api: Api) -> None:
        api.emu.clock_offset = 30
        api.emu.reset()
        assert api.emu.clock_offset == 30.0
        seeded = api.get(api.conference()).json()  # created ten minutes before the seeding
        created = parsedate_to_datetime(seeded["date_created"])
        expected = datetime.now(timezone.utc) + timedelta(seconds=30) - timedelta(minutes=10)
        assert abs((created - expected).total_seconds()) < 3  # seeded on the skewed clock

    def test_python_refuses_a_bad_offset(self, api: Api) -> None:
        with pytest.raises(ValueError, match="clock_offset"):
            api.emu.clock_offset = float("nan")


class TestHide:
    def test_hidden_from_listings_not_from_a_fetch(self, api: Api) -> None:
        sid = api.emu.add_conference("shy", "in-progress")["sid"]
        api.emu.hide_conference(sid, 30)
        assert sid not in dict(listed(api))
        assert api.get(api.conference(sid)).status_code == 200

    def test_back_when_the_server_clock_passes(self, api: Api) -> None:
        sid = api.emu.add_conference("shy", "in-progress")["sid"]
        api.emu.hide_conference(sid, 30)
        api.emu.clock_offset = 31
        assert dict(listed(api))[sid] == "in-progress"

    def test_through_the_endpoint(self, api: Api) -> None:
        sid = api.emu.add_conference("shy", "init")["sid"]
        answer = admin(api, "POST", f"conferences/{sid}/hide", Seconds="20")
        assert answer.status_code == 200
        assert answer.json()["sid"] == sid
        assert sid not in dict(listed(api))

    @pytest.mark.parametrize("seconds", ["0", "-1", "x", "inf"])
    def test_refuses_a_bad_duration(self, api: Api, seconds: str) -> None:
        answer = admin(
            api, "POST", f"conferences/{api.emu.demo_conference_sid}/hide", Seconds=seconds
        )
        assert answer.status_code == 422
        assert api.emu.demo_conference_sid in dict(listed(api))

    def test_an_unknown_conference_is_404(self, api: Api) -> None:
        assert admin(api, "POST", "conferences/nope/hide", Seconds="5").status_code == 404
        with pytest.raises(LookupError):
            api.emu.hide_conference("nope", 5)


class TestStaleCopies:
    def test_the_old_state_is_listed_after_the_new(self, api: Api) -> None:
        sid = api.emu.add_conference("laggy", "in-progress")["sid"]
        api.emu.add_stale_copy(sid, 30)
        api.emu.set_conference_status(sid, "completed")
        mine = [status for s, status in listed(api) if s == sid]
        assert mine == ["completed", "in-progress"]

    def test_gone_when_the_server_clock_passes(self, api: Api) -> None:
        sid = api.emu.add_conference("laggy", "in-progress")["sid"]
        admin(api, "POST", f"conferences/{sid}/stale", Seconds="10")
        api.emu.set_conference_status(sid, "completed")
        api.emu.clock_offset = 11
        assert [status for s, status in listed(api) if s == sid] == ["completed"]

    def test_a_hidden_conference_hides_its_stale_copies_too(self, api: Api) -> None:
        sid = api.emu.add_conference("laggy", "in-progress")["sid"]
        api.emu.add_stale_copy(sid, 30)
        api.emu.hide_conference(sid, 30)
        assert sid not in dict(listed(api))

    def test_a_reset_drops_them(self, api: Api) -> None:
        sid = api.emu.demo_conference_sid
        api.emu.add_stale_copy(sid, 30)
        api.emu.hide_conference(api.emu.conference_sids[1], 30)
        api.emu.reset()
        assert [s for s, _ in listed(api)].count(sid) == 1
        assert api.emu.conference_sids[1] in dict(listed(api))


class TestDatesAndCounts:
    def test_a_status_change_at_a_given_date(self, api: Api) -> None:
        sid = api.emu.add_conference("odd", "in-progress")["sid"]
        changed = api.emu.set_conference_status(sid, "completed", at=ABSURD)
        assert changed["date_updated"] == "Thu, 01 Jan 2099 00:00:00 GMT"
        answer = admin(
            api, "POST", f"conferences/{sid}", Status="completed", At="2098-01-01T00:00:00+00:00"
        )
        assert answer.json()["date_updated"] == "Wed, 01 Jan 2098 00:00:00 GMT"

    @pytest.mark.parametrize(
        ("form", "match"),
        [
            ({"At": "someday"}, "At must be an ISO 8601"),
            ({"At": "2099-01-01T00:00:00"}, "UTC offset"),
            ({"At": "2099-01-01T00:00:00+00:00", "After": "5"}, "not both"),
        ],
    )
    def test_refuses_a_bad_date(self, api: Api, form: dict[str, str], match: str) -> None:
        answer = admin(
            api, "POST", f"conferences/{api.emu.demo_conference_sid}", Status="completed", **form
        )
        assert answer.status_code == 422
        assert match in answer.text

    def test_python_refuses_a_naive_date(self, api: Api) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            api.emu.set_conference_status(
                api.emu.demo_conference_sid, "completed", at=datetime(2099, 1, 1)
            )

    def test_many_conferences_in_one_call_and_pages_of_them(self, api: Api) -> None:
        made = admin(
            api, "POST", "conferences", FriendlyName="archive", Status="completed", Count="2500"
        )
        assert made.status_code == 201
        sids = made.json()["sids"]
        assert len(set(sids)) == 2500
        page = api.get(
            f"{api.base}/Conferences.json", params={"PageSize": "1000", "Page": "2"}
        ).json()
        assert len(page["conferences"]) == 2503 - 2000  # three seeded conferences too
        assert page["next_page_uri"] is None

    @pytest.mark.parametrize("count", ["0", "100001"])
    def test_refuses_a_bad_count(self, api: Api, count: str) -> None:
        answer = admin(api, "POST", "conferences", Count=count)
        assert answer.status_code == 422
        assert "Count" in answer.text
