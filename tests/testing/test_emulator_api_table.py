"""
The Compatibility API the emulator serves, operation by operation, as tables.

Routing, every field check with both sides of its limit, the exact error each bad input gets,
the filters of each listing and the order of the checks (404 before 422, 401 before 415).
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import pytest
import requests
from emulator_tables_support import emulator, shared_emulator

from airflow_provider_signalwire.testing.api.fields import (
    STREAM_START,
    BodySpec,
    check_body,
    custom_parameters,
    describe,
    is_valid,
)
from airflow_provider_signalwire.testing.responses import MORE_INFO

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

__all__ = ["emulator", "shared_emulator"]

UUID = "4d2c8f9e-0b1a-4c3d-9e8f-7a6b5c4d3e2f"
ALICE, SENDER = "+15550100001", "+15550100999"


def call(
    emu: SignalWireEmulator, method: str, relative: str, *, auth: bool = True, **kwargs: Any
) -> requests.Response:
    """Call ``relative`` under the account's path (or the root when it starts with ``/``)."""
    url = emu.url + relative if relative.startswith("/") else f"{emu.url}{emu.base_path}/{relative}"
    credentials = (emu.project_id, emu.token) if auth else None
    return requests.request(method, url, auth=credentials, timeout=10, **kwargs)


def error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": MORE_INFO, "status": status}


def not_found(path: str) -> dict[str, Any]:
    return error(404, 20404, f"The requested resource {path} was not found")


class TestRouting:
    @pytest.mark.parametrize(
        "relative",
        [
            "/api/laml/2010-04-01/Accounts",
            "/api/laml/2010-04-01/Accounts/{project}",
            "/api/laml/2010-04-02/Accounts/{project}/Conferences",
            "/other",
            "Calls",
            "Conferences/{demo}/Streams/x/y",
            "Conferences//Participants",
            "Conferences/{demo}/Streams/",
            "Conferences/{demo}/Unknown",
            "Conferences/{demo}/Unknown/x",
        ],
    )
    def test_unknown_paths_are_404(self, emulator: SignalWireEmulator, relative: str) -> None:
        relative = relative.format(project=emulator.project_id, demo=emulator.demo_conference_sid)
        path = relative if relative.startswith("/") else f"{emulator.base_path}/{relative}"

        answer = call(emulator, "GET", relative)

        assert (answer.status_code, answer.json()) == (404, not_found(path))

    def test_another_account_is_401(self, emulator: SignalWireEmulator) -> None:
        answer = call(emulator, "GET", "/api/laml/2010-04-01/Accounts/other/Conferences.json")

        assert (answer.status_code, answer.json()) == (
            401,
            error(401, 20003, "Authentication failed"),
        )
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="SignalWire"'

    @pytest.mark.parametrize("suffix", ["", ".json"])
    def test_the_json_suffix_is_optional(self, emulator: SignalWireEmulator, suffix: str) -> None:
        answer = call(emulator, "GET", f"Conferences/{emulator.demo_conference_sid}{suffix}")

        assert answer.json()["sid"] == emulator.demo_conference_sid

    def test_credentials_are_checked_before_the_body(self, emulator: SignalWireEmulator) -> None:
        kwargs: dict[str, Any] = {"data": b"<x/>", "headers": {"Content-Type": "text/xml"}}

        anonymous = call(emulator, "POST", "Messages.json", auth=False, **kwargs)
        authenticated = call(emulator, "POST", "Messages.json", **kwargs)

        assert (anonymous.status_code, authenticated.status_code) == (401, 415)

    @pytest.mark.parametrize(
        ("method", "relative", "allow"),
        [
            ("POST", "Conferences", "GET"),
            ("DELETE", "Conferences/{demo}", "GET, POST"),
            ("POST", "Conferences/{demo}/Participants", "GET"),
            ("PUT", "Conferences/{demo}/Participants/x", "GET, POST, DELETE"),
            ("DELETE", "Conferences/{demo}/Recordings", "GET"),
            ("GET", "Conferences/{demo}/Streams", "POST"),
            ("GET", "Conferences/{demo}/Streams/x", "POST"),
            ("GET", "Messages", "POST"),
            ("POST", "Recordings/x.json", "GET"),
            ("DELETE", "Recordings/x.wav", "GET, HEAD"),
        ],
    )
    def test_a_wrong_method_is_405(
        self, emulator: SignalWireEmulator, method: str, relative: str, allow: str
    ) -> None:
        answer = call(emulator, method, relative.format(demo=emulator.demo_conference_sid))

        assert answer.status_code == 405
        assert answer.headers["Allow"] == allow


class TestConferences:
    def listing(self, emu: SignalWireEmulator, **params: str) -> requests.Response:
        return call(emu, "GET", "Conferences.json", params=params)

    def names(self, emu: SignalWireEmulator, **params: str) -> list[str]:
        answer = self.listing(emu, **params)
        assert answer.status_code == 200, answer.text
        return [c["friendly_name"] for c in answer.json()["conferences"]]

    @pytest.mark.parametrize(("length", "status"), [(64, 200), (65, 400)])
    def test_friendly_name_filter_length(
        self, emulator: SignalWireEmulator, length: int, status: int
    ) -> None:
        emulator.add_conference("n" * length)

        answer = self.listing(emulator, FriendlyName="n" * length)

        assert answer.status_code == status
        if status == 400:
            assert answer.json() == error(400, 20400, "FriendlyName must be at most 64 characters")
        else:
            assert [c["friendly_name"] for c in answer.json()["conferences"]] == ["n" * 64]

    def test_filters_by_name_and_status(self, emulator: SignalWireEmulator) -> None:
        emulator.add_conference("a", "in-progress")
        emulator.add_conference("a", "completed")

        assert self.names(emulator, FriendlyName="a", Status="completed") == ["a"]
        assert self.names(emulator, Status="in-progress") == ["a", "demo-conference"]
        assert self.names(emulator, FriendlyName="waiting-room") == ["waiting-room"]

    def test_a_status_filter_out_of_the_choices_is_400(self, emulator: SignalWireEmulator) -> None:
        answer = self.listing(emulator, Status="open")

        assert answer.json() == error(
            400, 20400, "Status must be one of init, in-progress, completed, got 'open'"
        )

    @pytest.mark.parametrize("field", ["DateCreated", "DateUpdated"])
    def test_date_filters_are_inclusive_by_day(
        self, emulator: SignalWireEmulator, field: str
    ) -> None:
        standup = emulator.conference_sids[2]
        key = "date_created" if field == "DateCreated" else "date_updated"
        day = parsedate_to_datetime(emulator.state()["conferences"][2][key]).date().isoformat()

        def sids(**params: str) -> list[str]:
            answer = call(emulator, "GET", "Conferences.json", params=params)
            return [c["sid"] for c in answer.json()["conferences"]]

        assert standup in sids(**{field: day})
        assert standup in sids(**{f"{field}<": day})
        assert standup in sids(**{f"{field}>": day})
        assert standup not in sids(**{f"{field}>": "2999-01-01"})
        assert standup not in sids(**{f"{field}<": "2000-01-01"})
        assert emulator.demo_conference_sid not in sids(**{field: "2000-01-01"})

    def test_filters_are_carried_to_the_other_pages(self, emulator: SignalWireEmulator) -> None:
        for _ in range(3):
            emulator.add_conference("same", "in-progress")
        params = {
            "FriendlyName": "same",
            "Status": "in-progress",
            "DateCreated>": "2000-01-01",
            "DateCreated<": "2999-01-01",
            "DateUpdated>": "2000-01-01",
            "DateUpdated<": "2999-01-01",
            "PageSize": "1",
            "Page": "1",
        }

        body = self.listing(emulator, **params).json()

        carried = (
            "FriendlyName=same&Status=in-progress&DateCreated%3C=2999-01-01"
            "&DateCreated%3E=2000-01-01&DateUpdated%3C=2999-01-01&DateUpdated%3E=2000-01-01"
        )
        base = f"{emulator.base_path}/Conferences.json"
        assert body["next_page_uri"] == f"{base}?Page=2&PageSize=1&{carried}&PageToken=PA2"
        assert body["previous_page_uri"] == f"{base}?Page=0&PageSize=1&{carried}&PageToken=PB0"
        assert body["first_page_uri"] == f"{base}?Page=0&PageSize=1&{carried}"

    @pytest.mark.parametrize(
        ("size", "status"), [("1", 200), ("1000", 200), ("0", 400), ("1001", 400)]
    )
    def test_page_size_limits(self, emulator: SignalWireEmulator, size: str, status: int) -> None:
        answer = self.listing(emulator, PageSize=size)

        assert answer.status_code == status
        if status == 200:
            assert len(answer.json()["conferences"]) == min(int(size), 3)

    def test_update_of_an_unknown_conference_is_404_before_any_422(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = call(emulator, "POST", "Conferences/nope.json", data={"Status": "bogus"})

        assert answer.json() == not_found(f"{emulator.base_path}/Conferences/nope.json")

    def test_every_problem_of_an_update_is_named_in_one_message(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = call(
            emulator,
            "POST",
            f"Conferences/{emulator.demo_conference_sid}",
            data={"Status": "in-progress", "AnnounceMethod": "PUT", "Other": "1"},
        )

        assert answer.json() == error(
            422,
            20422,
            "Status must be 'completed', got 'in-progress'; AnnounceMethod must be one of "
            "GET, POST, got 'PUT'; Other is not a parameter of this operation",
        )
        assert emulator.state()["conferences"][0]["status"] == "in-progress"

    def test_an_update_keeps_the_announcement_and_the_status(
        self, emulator: SignalWireEmulator
    ) -> None:
        sid = emulator.demo_conference_sid

        answer = call(
            emulator,
            "POST",
            f"Conferences/{sid}",
            data={"AnnounceUrl": "https://a.test/x", "AnnounceMethod": "GET"},
        )

        assert answer.json()["status"] == "in-progress"
        assert emulator._control.store.conferences.record(sid).options == {
            "AnnounceUrl": "https://a.test/x",
            "AnnounceMethod": "GET",
        }


class TestParticipants:
    def url(self, emu: SignalWireEmulator, call_sid: str = "") -> str:
        base = f"Conferences/{emu.demo_conference_sid}/Participants"
        return f"{base}/{call_sid}" if call_sid else base

    def call_sids(self, emu: SignalWireEmulator, **params: str) -> list[str]:
        answer = call(emu, "GET", self.url(emu), params=params)
        assert answer.status_code == 200, answer.text
        return [p["call_sid"] for p in answer.json()["participants"]]

    def test_filters_muted_and_hold_and_carries_them(self, emulator: SignalWireEmulator) -> None:
        demo = emulator.demo_conference_sid
        both = emulator.add_participant(demo, muted=True, hold=True)["call_sid"]
        muted = emulator.add_participant(demo, muted=True)["call_sid"]
        seeded = emulator.state()["conferences"][0]["participants"]

        assert self.call_sids(emulator, Muted="TRUE") == [both, muted]
        assert self.call_sids(emulator, Muted="true", Hold="false") == [muted]
        assert self.call_sids(emulator, Hold="true") == [both]
        assert self.call_sids(emulator, Muted="false") == [p["call_sid"] for p in seeded[:2]]
        body = call(
            emulator,
            "GET",
            self.url(emulator),
            params={"Muted": "true", "Hold": "false", "PageSize": "1"},
        ).json()
        assert body["first_page_uri"].endswith(
            "Participants.json?Page=0&PageSize=1&Muted=true&Hold=false"
        )

    @pytest.mark.parametrize("name", ["Muted", "Hold"])
    def test_a_filter_that_is_not_a_boolean_is_400(
        self, emulator: SignalWireEmulator, name: str
    ) -> None:
        answer = call(emulator, "GET", self.url(emulator), params={name: "yes"})

        assert answer.json() == error(400, 20400, f"{name} must be 'true' or 'false', got 'yes'")

    def test_an_unknown_participant_is_404_before_any_422(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = call(emulator, "POST", self.url(emulator, "CA-none"), data={"Muted": "maybe"})

        assert answer.status_code == 404

    @pytest.mark.parametrize(
        ("form", "changed"),
        [
            ({"Muted": "true"}, {"muted": True}),
            ({"Hold": "TRUE", "HoldUrl": "https://h.test", "HoldMethod": "GET"}, {"hold": True}),
            ({"Muted": "false", "Hold": "false"}, {"muted": False, "hold": False}),
            (
                {"Coaching": "true", "CallSidToCoach": UUID},
                {"coaching": True, "call_sid_to_coach": UUID},
            ),
            ({"Coaching": "false"}, {"coaching": False}),
            ({"CallSidToCoach": UUID}, {"call_sid_to_coach": UUID}),
            (
                {
                    "AnnounceUrl": "https://a.test",
                    "WaitUrl": "https://w.test",
                    "WaitMethod": "POST",
                },
                {},
            ),
        ],
    )
    def test_updates(
        self, emulator: SignalWireEmulator, form: dict[str, str], changed: dict[str, Any]
    ) -> None:
        call_sid = emulator.add_participant(emulator.demo_conference_sid, muted=True)["call_sid"]
        before = call(emulator, "GET", self.url(emulator, call_sid)).json()

        answer = call(emulator, "POST", self.url(emulator, call_sid), data=form)

        assert answer.status_code == 200
        after = answer.json()
        differs = {k: v for k, v in after.items() if before[k] != v and k != "date_updated"}
        assert differs == {k: v for k, v in changed.items() if before[k] != v}

    def test_coaching_needs_someone_to_coach(self, emulator: SignalWireEmulator) -> None:
        demo = emulator.demo_conference_sid
        call_sid = emulator.add_participant(demo)["call_sid"]

        refused = call(emulator, "POST", self.url(emulator, call_sid), data={"Coaching": "true"})
        call(emulator, "POST", self.url(emulator, call_sid), data={"CallSidToCoach": UUID})
        accepted = call(emulator, "POST", self.url(emulator, call_sid), data={"Coaching": "true"})

        assert refused.json() == error(422, 20422, "Coaching requires CallSidToCoach")
        assert (accepted.status_code, accepted.json()["coaching"]) == (200, True)

    def test_delete(self, emulator: SignalWireEmulator) -> None:
        call_sid = emulator.add_participant(emulator.demo_conference_sid)["call_sid"]

        deleted = call(emulator, "DELETE", self.url(emulator, call_sid))

        assert (deleted.status_code, deleted.content) == (204, b"")
        assert call_sid not in self.call_sids(emulator)


class TestRecordings:
    def url(self, emu: SignalWireEmulator, sid: str = "") -> str:
        base = f"Conferences/{emu.demo_conference_sid}/Recordings"
        return f"{base}/{sid}.json" if sid else f"{base}.json"

    def test_date_filter(self, emulator: SignalWireEmulator) -> None:
        today = emulator.server_now().date().isoformat()

        def sids(**params: str) -> list[str]:
            return [
                r["sid"]
                for r in call(emulator, "GET", self.url(emulator), params=params).json()[
                    "recordings"
                ]
            ]

        seeded = emulator.state()["conferences"][0]["recordings"][0]["sid"]
        assert sids(DateCreated=today) == [seeded]
        assert sids(**{"DateCreated<": today}) == [seeded]
        assert sids(**{"DateCreated>": today}) == [seeded]
        assert sids(**{"DateCreated>": "2999-01-01"}) == []
        assert sids(**{"DateCreated<": "2000-01-01"}) == []
        body = call(
            emulator, "GET", self.url(emulator), params={"DateCreated>": "2000-01-01"}
        ).json()
        assert body["uri"].endswith("Recordings.json?Page=0&PageSize=50&DateCreated%3E=2000-01-01")

    @pytest.mark.parametrize(
        ("form", "errors"),
        [
            ({}, ["Status must be one of paused, in-progress, stopped"]),
            (
                {"Status": "completed"},
                ["Status must be one of paused, in-progress, stopped, got 'completed'"],
            ),
            (
                {"Status": "paused", "PauseBehavior": "wait"},
                ["PauseBehavior must be one of skip, silence, got 'wait'"],
            ),
        ],
    )
    def test_a_bad_update_is_422_with_every_problem(
        self, emulator: SignalWireEmulator, form: dict[str, str], errors: list[str]
    ) -> None:
        sid = emulator.state()["conferences"][0]["recordings"][0]["sid"]

        answer = call(emulator, "POST", self.url(emulator, sid), data=form)

        assert (answer.status_code, answer.json()) == (422, {"errors": errors})

    def test_an_ended_recording_is_422_with_the_reason(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.add_recording(emulator.demo_conference_sid, "stopped")["sid"]

        answer = call(emulator, "POST", self.url(emulator, sid), data={"Status": "paused"})

        assert (answer.status_code, answer.json()) == (
            422,
            {"errors": [f"Recording {sid} is stopped and can no longer be updated"]},
        )

    def test_an_unknown_recording_is_404_before_any_422(self, emulator: SignalWireEmulator) -> None:
        assert call(emulator, "POST", self.url(emulator, "RE-none"), data={}).status_code == 404

    def test_pause_keeps_the_behaviour(self, emulator: SignalWireEmulator) -> None:
        demo = emulator.demo_conference_sid
        sid = emulator.add_recording(demo)["sid"]

        answer = call(
            emulator,
            "POST",
            self.url(emulator, sid),
            data={"Status": "paused", "PauseBehavior": "silence"},
        )

        assert answer.json()["status"] == "paused"
        assert emulator._control.store.recordings._records[demo][sid].options == {
            "PauseBehavior": "silence"
        }


class TestStreams:
    def url(self, emu: SignalWireEmulator, conference: str | None = None, stream: str = "") -> str:
        base = f"Conferences/{conference or emu.demo_conference_sid}/Streams"
        return f"{base}/{stream}" if stream else base

    def test_start_keeps_the_options_with_their_defaults(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = call(
            emulator,
            "POST",
            self.url(emulator),
            data={"Url": "wss://m.test/a", "Name": "", "Parameter2.Name": "b", "Parameter10.Name": "c",
                  "Parameter10.Value": "3", "Parameter1.Value": "lost"},
        )  # fmt: skip

        assert answer.status_code == 200
        body = answer.json()
        assert (body["name"], body["status"]) == (None, "in-progress")
        stored = emulator.get_stream(emulator.demo_conference_sid, body["sid"])
        assert stored is not None
        assert stored["_options"] == {
            "Url": "wss://m.test/a",
            "Track": "both_tracks",
            "StatusCallbackMethod": "POST",
        }
        assert list(stored["_parameters"].items()) == [("b", ""), ("c", "3")]

    def test_start_keeps_every_option_given(self, emulator: SignalWireEmulator) -> None:
        form = {
            "Url": "wss://m.test/a",
            "Track": "inbound_track",
            "StatusCallback": "https://cb.test",
            "StatusCallbackMethod": "GET",
            "StreamCodec": "PCMA",
            "StreamRealTime": "true",
            "AuthorizationBearerToken": "secret",
        }

        body = call(emulator, "POST", self.url(emulator), data=form).json()

        stored = emulator.get_stream(emulator.demo_conference_sid, body["sid"])
        assert stored is not None
        assert stored["_options"] == {
            k: v for k, v in form.items() if k != "AuthorizationBearerToken"
        }

    @pytest.mark.parametrize("stream", ["", "x"])
    def test_an_unknown_conference_is_404_before_any_422(
        self, emulator: SignalWireEmulator, stream: str
    ) -> None:
        answer = call(emulator, "POST", self.url(emulator, "nope", stream), data={"Bad": "1"})

        assert answer.status_code == 404

    def test_a_stream_named_like_a_json_file_is_found_by_its_name(
        self, emulator: SignalWireEmulator
    ) -> None:
        made = emulator.add_stream(emulator.demo_conference_sid, name="feed.json")

        answer = call(
            emulator, "POST", self.url(emulator, stream="feed.json"), data={"Status": "stopped"}
        )

        assert (answer.status_code, answer.json()["sid"]) == (200, made["sid"])

    def test_the_name_without_the_suffix_comes_first(self, emulator: SignalWireEmulator) -> None:
        plain = emulator.add_stream(emulator.demo_conference_sid, name="feed")
        emulator.add_stream(emulator.demo_conference_sid, name="feed.json")

        answer = call(
            emulator, "POST", self.url(emulator, stream="feed.json"), data={"Status": "stopped"}
        )

        assert answer.json()["sid"] == plain["sid"]

    def test_a_stopped_stream_is_404_when_so_configured(self, emulator: SignalWireEmulator) -> None:
        emulator.repeat_stop_status = 404
        url = self.url(emulator, stream=emulator.demo_stream_sid)

        first = call(emulator, "POST", url, data={"Status": "stopped"})
        again = call(emulator, "POST", url, data={"Status": "stopped"})

        assert (first.status_code, again.status_code) == (200, 404)
        assert again.json() == not_found(f"{emulator.base_path}/{url}")


class TestRecordingMedia:
    @pytest.mark.parametrize(
        "name", ["x.flac", "x.WAV", ".wav", "x.wav.json", "x/y.wav", "", "x.wav/extra"]
    )
    def test_what_is_not_a_media_file_needs_credentials(
        self, emulator: SignalWireEmulator, name: str
    ) -> None:
        emulator.add_recording(emulator.demo_conference_sid, "completed")

        assert call(emulator, "GET", f"Recordings/{name}", auth=False).status_code == 401

    @pytest.mark.parametrize("name", ["x.flac", ".wav", "", "a/b", "RE-none.wav", "RE-none.json"])
    def test_unknown_recording_paths_are_404(self, emulator: SignalWireEmulator, name: str) -> None:
        assert call(emulator, "GET", f"Recordings/{name}").status_code == 404

    @pytest.mark.parametrize(
        "relative",
        [
            "/api/laml/2010-04-02/Accounts/{project}/Recordings/{sid}.wav",
            "Conferences/{demo}/Recordings/{sid}.wav",
            "Recording/{sid}.wav",
        ],
    )
    def test_only_the_account_media_path_is_public(
        self, emulator: SignalWireEmulator, relative: str
    ) -> None:
        sid = emulator.add_recording(emulator.demo_conference_sid, "completed")["sid"]
        relative = relative.format(
            project=emulator.project_id, demo=emulator.demo_conference_sid, sid=sid
        )

        assert call(emulator, "GET", relative, auth=False).status_code == 401

    def test_the_account_recordings_path_alone_is_404(self, emulator: SignalWireEmulator) -> None:
        assert call(emulator, "GET", "Recordings.json").status_code == 404

    @pytest.mark.parametrize(
        ("status", "served"), [("completed", 200), ("stopped", 404), ("paused", 404)]
    )
    def test_media_exists_once_completed(
        self, emulator: SignalWireEmulator, status: str, served: int
    ) -> None:
        sid = emulator.add_recording(emulator.demo_conference_sid, status, size=5)["sid"]

        assert call(emulator, "GET", f"Recordings/{sid}.mp3", auth=False).status_code == served
        assert call(emulator, "HEAD", f"Recordings/{sid}.wav").status_code == served
        assert call(emulator, "GET", f"Recordings/{sid}").json()["status"] == status


class TestMessages:
    def send(self, emu: SignalWireEmulator, **form: Any) -> requests.Response:
        return call(emu, "POST", "Messages.json", data=form)

    @pytest.mark.parametrize(
        "form",
        [
            {"To": "+12", "From": SENDER, "Body": "x"},
            {"To": "+" + "9" * 15, "From": SENDER, "Body": "x"},
            {"To": ALICE, "From": "+12", "Body": "x"},
            {"To": ALICE, "From": SENDER, "Body": "x" * 1600},
            {"To": ALICE, "From": SENDER, "MediaUrl": "http://m.test/a.png"},
            {"To": ALICE, "MessagingServiceSid": UUID, "Body": "x"},
            {"To": ALICE, "From": SENDER, "Body": "x", "ApplicationSid": UUID},
            {"To": ALICE, "From": SENDER, "Body": "x", "SendAsMms": "TRUE"},
            {"To": ALICE, "From": SENDER, "Body": "x", "SendAsMms": "false"},
            {"To": ALICE, "From": SENDER, "Body": "x", "MaxPrice": "1"},
            {"To": ALICE, "From": SENDER, "Body": "x", "MaxPrice": "1."},
            {"To": ALICE, "From": SENDER, "Body": "x", "MaxPrice": "10.1234"},
            {"To": ALICE, "From": SENDER, "Body": "x", "ValidityPeriod": "1"},
            {"To": ALICE, "From": SENDER, "Body": "x", "ValidityPeriod": "172800"},
            {"To": ALICE, "From": SENDER, "Body": "x", "StatusCallback": "http://cb.test"},
            {"To": ALICE, "From": SENDER, "Body": "x", "StatusCallback": "https://cb.test/x"},
        ],
    )
    def test_accepted(self, emulator: SignalWireEmulator, form: dict[str, str]) -> None:
        answer = self.send(emulator, **form)

        assert answer.status_code == 201, answer.text
        assert [m["sid"] for m in emulator.messages] == [answer.json()["sid"]]

    @pytest.mark.parametrize(
        ("form", "status", "code", "message"),
        [
            ({"From": SENDER, "Body": "x"}, 400, 21604, "A 'To' phone number is required."),
            (
                {"To": "", "From": SENDER, "Body": "x"},
                400,
                21604,
                "A 'To' phone number is required.",
            ),
            (
                {"To": "+1", "From": SENDER, "Body": "x"},
                400,
                21211,
                "The 'To' number +1 is not a valid phone number.",
            ),
            (
                {"To": "+" + "9" * 16, "From": SENDER, "Body": "x"},
                400,
                21211,
                f"The 'To' number +{'9' * 16} is not a valid phone number.",
            ),
            (
                {"To": "15550100001", "Body": "x"},
                400,
                21211,
                "The 'To' number 15550100001 is not a valid phone number.",
            ),
            (
                {"To": ALICE, "Body": "x"},
                400,
                21603,
                "A 'From' phone number or a MessagingServiceSid is required.",
            ),
            (
                {"To": ALICE, "From": "+1a", "Body": "x"},
                400,
                21212,
                "The 'From' number +1a is not a valid phone number.",
            ),
            ({"To": ALICE, "From": SENDER}, 400, 21602, "Message body is required."),
            ({"To": ALICE, "From": SENDER, "Body": ""}, 400, 21602, "Message body is required."),
            (
                {"To": ALICE, "From": SENDER, "Body": "x" * 1601},
                400,
                21617,
                "The message body exceeds the 1600 character limit.",
            ),
            (
                {"To": ALICE, "From": SENDER, "MediaUrl": "ftp://m.test/a"},
                400,
                21620,
                "Invalid media URL 'ftp://m.test/a'.",
            ),
            (
                {"To": ALICE, "From": SENDER, "MediaUrl": "https://"},
                400,
                21620,
                "Invalid media URL 'https://'.",
            ),
            (
                {"To": ALICE, "MessagingServiceSid": "MG1", "Body": "x"},
                422,
                20001,
                "MessagingServiceSid must be a UUID, got 'MG1'",
            ),
            (
                {"To": ALICE, "From": SENDER, "Body": "x", "ApplicationSid": "AP1"},
                422,
                20001,
                "ApplicationSid must be a UUID, got 'AP1'",
            ),
            (
                {"To": ALICE, "From": SENDER, "Body": "x", "SendAsMms": "yes"},
                422,
                20001,
                "SendAsMms must be 'true' or 'false', got 'yes'",
            ),
            *(
                (
                    {"To": ALICE, "From": SENDER, "Body": "x", "MaxPrice": price},
                    422,
                    20001,
                    f"MaxPrice must be a decimal price, got {price!r}",
                )
                for price in ("1.23456", ".5", "-1", "1,5")
            ),
            *(
                (
                    {"To": ALICE, "From": SENDER, "Body": "x", "ValidityPeriod": period},
                    422,
                    20001,
                    f"ValidityPeriod must be 1 to 172800 seconds, got {period!r}",
                )
                for period in ("0", "172801", "1.5", "-1", "")
            ),
            *(
                (
                    {"To": ALICE, "From": SENDER, "Body": "x", "StatusCallback": url},
                    422,
                    20001,
                    f"StatusCallback must be a URL, got {url!r}",
                )
                for url in ("cb", "ftp://cb.test", "https://")
            ),
        ],
    )
    def test_refused_with_signalwires_error(
        self,
        emulator: SignalWireEmulator,
        form: dict[str, str],
        status: int,
        code: int,
        message: str,
    ) -> None:
        answer = self.send(emulator, **form)

        assert (answer.status_code, answer.json()) == (status, error(status, code, message))
        assert emulator.messages == []

    @pytest.mark.parametrize(
        ("form", "code"),
        [
            ({"To": ALICE, "From": SENDER, "MediaUrl": ["https://m.test/a", "ftp://b"]}, 21620),
            ({"To": "bad", "From": "bad"}, 21211),
            ({"To": ALICE, "From": "bad"}, 21212),
            ({"To": ALICE, "From": SENDER, "Body": "x" * 1601, "MediaUrl": "ftp://b"}, 21617),
            ({"To": ALICE, "From": SENDER, "MediaUrl": "ftp://b", "SendAsMms": "no"}, 21620),
        ],
    )
    def test_the_first_problem_found_is_the_one_answered(
        self, emulator: SignalWireEmulator, form: dict[str, Any], code: int
    ) -> None:
        assert self.send(emulator, **form).json()["code"] == code

    def test_the_sent_message_keeps_its_fields(self, emulator: SignalWireEmulator) -> None:
        form = {
            "To": ALICE,
            "MessagingServiceSid": UUID,
            "Body": "",
            "MediaUrl": ["https://m.test/a", "https://m.test/b"],
            "StatusCallback": "https://cb.test",
            "ApplicationSid": UUID,
            "MaxPrice": "0.5",
            "ValidityPeriod": "60",
            "SendAsMms": "true",
        }

        message = self.send(emulator, **form).json()

        assert (message["from"], message["body"], message["num_media"]) == ("", None, 2)
        assert message["messaging_service_sid"] == UUID
        record = emulator._control.store.messages._records[-1]
        assert record.media_urls == ["https://m.test/a", "https://m.test/b"]
        assert record.options == {
            "StatusCallback": "https://cb.test",
            "ApplicationSid": UUID,
            "MaxPrice": "0.5",
            "ValidityPeriod": "60",
            "SendAsMms": "true",
        }

    def test_a_deeper_path_is_404(self, emulator: SignalWireEmulator) -> None:
        answer = call(emulator, "POST", "Messages/x.json", data={"To": ALICE})

        assert answer.json() == not_found(f"{emulator.base_path}/Messages/x.json")


class TestFields:
    @pytest.mark.parametrize(
        ("name", "kind", "text"),
        [
            ("Status", ("stopped",), "Status must be 'stopped'"),
            ("Track", ("a", "b"), "Track must be one of a, b"),
            ("Muted", "bool", "Muted must be 'true' or 'false'"),
            ("Url", "uri", "Url must be an absolute URI"),
            ("Url", "wss", "Url must be a valid wss:// URL"),
            ("Sid", "uuid", "Sid must be a UUID"),
            ("Name", "text", "Name must be a string"),
        ],
    )
    def test_describe(self, name: str, kind: Any, text: str) -> None:
        assert describe(name, kind) == text

    @pytest.mark.parametrize(
        ("kind", "value", "valid"),
        [
            (("a", "b"), "a", True),
            (("a", "b"), "A", False),
            ("bool", "True", True),
            ("bool", "FALSE", True),
            ("bool", "1", False),
            ("uuid", UUID, True),
            ("uuid", UUID.upper(), True),
            ("uuid", UUID[:-1], False),
            ("uuid", UUID + "0", False),
            ("uuid", "x" + UUID[1:], False),
            ("wss", "wss://h", True),
            ("wss", "wss://", False),
            ("wss", "ws://h", False),
            ("wss", "WSS://h", False),
            ("wss", "wss://[::1", False),
            ("wss", "https://h", False),
            ("uri", "https://h/x", True),
            ("uri", "https://h:8443/x", True),
            ("uri", "urn:a:b", True),
            ("uri", "urn:x", True),
            ("uri", "a+b.c-d:x", True),
            ("uri", "1a:x", False),
            ("uri", "/relative", False),
            ("uri", "https://h/a b", False),
            ("uri", "https://h/a\tb", False),
            ("uri", ":x", False),
            ("text", "", True),
        ],
    )
    def test_is_valid(self, kind: Any, value: str, valid: bool) -> None:
        assert is_valid(kind, value) is valid

    def test_check_body_names_every_problem_in_order(self) -> None:
        spec = BodySpec({"A": ("x",), "B": "bool"}, required=("A", "B"))

        assert check_body({"B": ["no"], "C": ["1"]}, spec) == [
            "A must be 'x'",
            "B must be 'true' or 'false', got 'no'",
            "C is not a parameter of this operation",
        ]
        assert check_body({"A": ["x"], "B": ["true", "junk"]}, spec) == []

    @pytest.mark.parametrize(
        ("name", "problem"),
        [
            ("Parameter1.Name", None),
            ("Parameter99.Value", None),
            ("Parameter01.Name", None),
            ("Parameter0.Name", "Parameter0.Name: custom parameters are numbered 1 to 99"),
            ("Parameter100.Name", "Parameter100.Name: custom parameters are numbered 1 to 99"),
            ("Parameter1.Other", "Parameter1.Other is not a parameter of this operation"),
            ("Parameter.Name", "Parameter.Name is not a parameter of this operation"),
        ],
    )
    def test_custom_parameter_numbers(self, name: str, problem: str | None) -> None:
        errors = check_body({"Url": ["wss://h"], name: ["v"]}, STREAM_START)

        assert errors == ([] if problem is None else [problem])

    def test_custom_parameters_only_where_the_operation_takes_them(self) -> None:
        spec = BodySpec({"A": "text"})

        assert check_body({"Parameter1.Name": ["v"]}, spec) == [
            "Parameter1.Name is not a parameter of this operation"
        ]

    def test_custom_parameters_in_number_order(self) -> None:
        form = {
            "Parameter10.Name": ["ten"],
            "Parameter10.Value": ["10"],
            "Parameter2.Value": ["orphan"],
            "Parameter9.Name": ["nine"],
            "Url": ["wss://h"],
        }

        assert list(custom_parameters(form).items()) == [("nine", ""), ("ten", "10")]
