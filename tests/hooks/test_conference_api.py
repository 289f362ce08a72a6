"""Every Compat > Conferences operation of SignalWireHook, against the emulator over loopback."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_signalwire.exceptions import (
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator


@pytest.fixture
def hook(signalwire_default: SignalWireEmulator) -> SignalWireHook:
    return SignalWireHook(initial_backoff=0.0, max_backoff=0.0)


@pytest.fixture
def emu(signalwire_default: SignalWireEmulator) -> SignalWireEmulator:
    return signalwire_default


class TestConferences:
    def test_list_follows_next_page_uri_to_the_last_page(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        for index in range(5):
            emu.add_conference(friendly_name=f"extra-{index}")
        conferences = list(hook.list_conferences(page_size=2))
        assert len(conferences) == 8
        assert len({c["sid"] for c in conferences}) == 8
        pages = [r for r in emu.requests if r.method == "GET"]
        assert len(pages) == 4
        assert pages[0].query == {"PageSize": ["2"]}
        assert pages[1].query["Page"] == ["1"]

    def test_list_maps_filters_to_signalwire_names(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        found = list(
            hook.list_conferences(
                friendly_name="demo-conference", status="in-progress",
                date_created_before=datetime.date(2100, 1, 1), date_created_after="2000-01-01",
            )
        )  # fmt: skip
        assert [c["sid"] for c in found] == [emu.demo_conference_sid]
        query = emu.requests[-1].query
        assert query["FriendlyName"] == ["demo-conference"]
        assert query["Status"] == ["in-progress"]
        assert query["DateCreated<"] == ["2100-01-01"]
        assert query["DateCreated>"] == ["2000-01-01"]

    @pytest.mark.parametrize(
        ("filters", "named"),
        [
            ({"colour": "red"}, "colour"),
            ({"page_size": 0}, "page_size 0"),
            ({"page_size": 1001}, "page_size 1001"),
            ({"page_size": True}, "page_size True"),
            ({"date_created_after": False}, "date_created_after False"),
            ({"date_created": "yesterday"}, "date_created 'yesterday'"),
        ],
    )
    def test_list_refuses_bad_filters_before_any_request(
        self, hook: SignalWireHook, emu: SignalWireEmulator, filters: dict[str, object], named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            list(hook.list_conferences(**filters))
        assert emu.requests == []

    def test_list_retries_a_page_that_failed(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        emu.add_fault(Fault(status=502), times=1)
        assert len(list(hook.list_conferences())) == 3
        assert len(emu.requests) == 2

    def test_get_conference(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        conference = hook.get_conference(emu.demo_conference_sid)
        assert conference["friendly_name"] == "demo-conference"
        assert conference["status"] == "in-progress"

    def test_update_and_end_conference(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        updated = hook.update_conference(
            emu.demo_conference_sid,
            announce_url="https://a.example.com/x.xml",
            announce_method="GET",
        )
        assert updated["sid"] == emu.demo_conference_sid
        assert emu.requests[-1].form == {
            "AnnounceUrl": ["https://a.example.com/x.xml"],
            "AnnounceMethod": ["GET"],
        }
        ended = hook.end_conference(emu.demo_conference_sid)
        assert ended["status"] == "completed"
        assert emu.requests[-1].form == {"Status": ["completed"]}
        assert emu.get_stream(emu.demo_conference_sid, emu.demo_stream_sid)["status"] == "stopped"  # type: ignore[index]

    def test_update_refuses_unknown_status(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="status 'paused'"):
            hook.update_conference(emu.demo_conference_sid, status="paused")
        assert emu.requests == []


class TestParticipants:
    def test_list_get_update_remove(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        muted = emu.add_participant(emu.demo_conference_sid, muted=True)["call_sid"]
        everyone = list(hook.list_participants(emu.demo_conference_sid))
        assert muted in {p["call_sid"] for p in everyone}
        only_muted = list(hook.list_participants(emu.demo_conference_sid, muted=True))
        assert [p["call_sid"] for p in only_muted] == [muted]
        assert emu.requests[-1].query == {"Muted": ["true"]}

        assert hook.get_participant(emu.demo_conference_sid, muted)["muted"] is True
        updated = hook.update_participant(emu.demo_conference_sid, muted, muted=False, hold=True)
        assert updated["muted"] is False and updated["hold"] is True
        assert emu.requests[-1].form == {"Muted": ["false"], "Hold": ["true"]}

        assert hook.remove_participant(emu.demo_conference_sid, muted) is None
        assert emu.requests[-1].method == "DELETE"
        with pytest.raises(SignalWireNotFoundError):
            hook.get_participant(emu.demo_conference_sid, muted)

    def test_update_refuses_unknown_fields(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="volume"):
            hook.update_participant(emu.demo_conference_sid, "CA1", volume=11)
        assert emu.requests == []

    def test_remove_after_a_lost_answer_is_done(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        call_sid = emu.add_participant(emu.demo_conference_sid)["call_sid"]
        emu.add_fault(Fault(action="apply_then_drop"), times=1)
        assert hook.remove_participant(emu.demo_conference_sid, call_sid) is None
        assert [r.method for r in emu.requests] == ["DELETE", "DELETE"]


class TestRecordings:
    def test_list_get_update_delete(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        recording_sid = emu.add_recording(emu.demo_conference_sid)["sid"]
        assert recording_sid in {r["sid"] for r in hook.list_recordings(emu.demo_conference_sid)}
        assert hook.get_recording(emu.demo_conference_sid, recording_sid)["status"] == "in-progress"
        paused = hook.update_recording(emu.demo_conference_sid, recording_sid, status="paused")
        assert paused["status"] == "paused"
        assert emu.requests[-1].form == {"Status": ["paused"]}
        assert hook.delete_recording(emu.demo_conference_sid, recording_sid) is None
        with pytest.raises(SignalWireNotFoundError):
            hook.get_recording(emu.demo_conference_sid, recording_sid)

    def test_update_refuses_unknown_status(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="status 'deleted'"):
            hook.update_recording(emu.demo_conference_sid, "RE1", status="deleted")
        assert emu.requests == []


class TestStreams:
    def test_start_then_stop_by_name(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        started = hook.start_conference_stream(
            emu.demo_conference_sid,
            url="wss://ws.example.com/in",
            name="nightly",
            parameters={"k": "v"},
        )
        assert started["status"] == "in-progress" and started["name"] == "nightly"
        stopped = hook.stop_conference_stream(emu.demo_conference_sid, "nightly")
        assert stopped["sid"] == started["sid"] and stopped["status"] == "stopped"

    def test_start_sends_the_bearer_token_but_never_returns_it(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        stream = hook.start_conference_stream(
            emu.demo_conference_sid,
            url="wss://ws.example.com/in",
            authorization_bearer_token="bt-SECRET-77",
        )
        assert "bt-SECRET-77" not in str(stream)
        assert "AuthorizationBearerToken" in emu.requests[-1].form

    def test_bulk_stop(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        sids = [emu.add_stream(emu.demo_conference_sid)["sid"] for _ in range(20)]
        outcomes = hook.stop_conference_streams(
            [{"conference_sid": emu.demo_conference_sid, "stream_sid": sid} for sid in sids],
            max_concurrency=5,
        )
        assert [o["status"] for o in outcomes] == ["stopped"] * 20
        assert {sid: emu.stop_counts[sid] for sid in sids} == dict.fromkeys(sids, 1)

    @pytest.mark.parametrize("max_concurrency", [0, 65, True, 2.5])
    def test_bulk_refuses_bad_concurrency(
        self, hook: SignalWireHook, max_concurrency: object
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="max_concurrency"):
            hook.stop_conference_streams([], max_concurrency=max_concurrency)  # type: ignore[arg-type]
