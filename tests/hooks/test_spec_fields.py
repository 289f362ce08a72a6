"""
The hook sends only what SignalWire's Compatibility OpenAPI defines, and checks enums first.

Every refusal below happens before any request (the emulator records none); every accepted call
is applied by the emulator, which itself refuses fields an operation does not define.
"""

from __future__ import annotations

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

SPEC_PARTICIPANT_FIELDS = (
    "AnnounceUrl", "AnnounceMethod", "Coaching", "CallSidToCoach", "Hold", "HoldMethod",
    "HoldUrl", "Muted", "WaitUrl", "WaitMethod",
)  # fmt: skip


@pytest.fixture
def hook(signalwire_default: SignalWireEmulator) -> SignalWireHook:
    return SignalWireHook(initial_backoff=0.0, max_backoff=0.0)


@pytest.fixture
def emu(signalwire_default: SignalWireEmulator) -> SignalWireEmulator:
    return signalwire_default


@pytest.fixture
def call_sid(emu: SignalWireEmulator) -> str:
    return str(emu.add_participant(emu.demo_conference_sid)["call_sid"])


class TestUpdateParticipant:
    @pytest.mark.parametrize("field", ["beep_on_exit", "end_conference_on_exit"])
    def test_fields_the_spec_lacks_are_refused_naming_the_spec_fields(
        self, hook: SignalWireHook, emu: SignalWireEmulator, call_sid: str, field: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=field) as caught:
            hook.update_participant(emu.demo_conference_sid, call_sid, muted=True, **{field: True})
        assert all(name in str(caught.value) for name in SPEC_PARTICIPANT_FIELDS)
        assert emu.requests == []

    @pytest.mark.parametrize(
        ("fields", "named"),
        [
            ({"hold_method": "PUT"}, "hold_method 'PUT'"),
            ({"announce_method": "get"}, "announce_method 'get'"),
            ({"wait_method": "DELETE"}, "wait_method 'DELETE'"),
            ({"muted": "yes"}, "muted 'yes'"),
            ({"hold": 1}, "hold 1"),
            ({"coaching": "true"}, "coaching 'true'"),
            ({"call_sid_to_coach": "../x"}, "call_sid_to_coach '../x'"),
        ],
    )
    def test_values_outside_the_spec_are_refused_before_any_request(
        self,
        hook: SignalWireHook,
        emu: SignalWireEmulator,
        call_sid: str,
        fields: dict[str, object],
        named: str,
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            hook.update_participant(emu.demo_conference_sid, call_sid, **fields)
        assert emu.requests == []

    def test_every_spec_field_is_sent_by_its_spec_name_and_applied(
        self, hook: SignalWireHook, emu: SignalWireEmulator, call_sid: str
    ) -> None:
        coach = emu.add_participant(emu.demo_conference_sid)["call_sid"]
        participant = hook.update_participant(
            emu.demo_conference_sid, call_sid,
            muted=True, hold=True, hold_url="https://example.test/hold.xml", hold_method="GET",
            announce_url="https://example.test/a.xml", announce_method="POST",
            wait_url="https://example.test/wait.xml", wait_method="GET",
            coaching=True, call_sid_to_coach=coach,
        )  # fmt: skip
        assert (participant["muted"], participant["hold"], participant["coaching"]) == (
            True, True, True,
        )  # fmt: skip
        assert participant["call_sid_to_coach"] == coach
        assert sorted(emu.requests[-1].form) == sorted(SPEC_PARTICIPANT_FIELDS)


class TestEnumsBeforeAnyRequest:
    def test_recording_pause_behavior(self, hook: SignalWireHook, emu: SignalWireEmulator) -> None:
        recording = emu.add_recording(emu.demo_conference_sid)["sid"]
        with pytest.raises(SignalWireValidationError, match="pause_behavior 'pause'"):
            hook.update_recording(
                emu.demo_conference_sid, recording, status="paused", pause_behavior="pause"
            )
        assert emu.requests == []
        paused = hook.update_recording(
            emu.demo_conference_sid, recording, status="paused", pause_behavior="skip"
        )
        assert paused["status"] == "paused"

    @pytest.mark.parametrize(
        ("filters", "named"),
        [
            ({"status": "active"}, "status 'active'"),
            ({"friendly_name": "x" * 65}, "friendly_name"),
        ],
    )
    def test_conference_list_filters(
        self, hook: SignalWireHook, emu: SignalWireEmulator, filters: dict[str, str], named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            list(hook.list_conferences(**filters))
        assert emu.requests == []

    @pytest.mark.parametrize(
        ("arguments", "named"),
        [
            ({"track": "left"}, "track 'left'"),
            ({"stream_codec": "MP3"}, "stream_codec 'MP3'"),
            ({"status_callback_method": "PUT"}, "status_callback_method 'PUT'"),
        ],
    )
    def test_stream_start(
        self, hook: SignalWireHook, emu: SignalWireEmulator, arguments: dict[str, str], named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            hook.start_conference_stream(
                emu.demo_conference_sid, url="wss://example.test/a", **arguments
            )
        assert emu.requests == []


class TestPaging:
    def test_follows_next_page_uri_with_page_token(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        for index in range(3):
            emu.add_conference(friendly_name=f"extra-{index}")
        assert len(list(hook.list_conferences(page_size=2))) == 6
        follow_ups = [r.query for r in emu.requests[1:]]
        assert [q["PageToken"] for q in follow_ups] == [["PA1"], ["PA2"]]

    def test_follows_next_page_uri_without_page_token(
        self, hook: SignalWireHook, emu: SignalWireEmulator
    ) -> None:
        first_page = {
            "conferences": [],
            "page": 0,
            "page_size": 2,
            "uri": f"{emu.base_path}/Conferences.json?Page=0&PageSize=2",
            "first_page_uri": f"{emu.base_path}/Conferences.json?Page=0&PageSize=2",
            "next_page_uri": f"{emu.base_path}/Conferences.json?Page=1&PageSize=2",
            "previous_page_uri": None,
        }
        emu.add_fault(Fault(status=200, body=first_page, method="GET"))
        found = list(hook.list_conferences(page_size=2))
        assert [c["friendly_name"] for c in found] == ["yesterday-standup"]  # oldest, page 1
        assert emu.requests[1].query == {"Page": ["1"], "PageSize": ["2"]}
