from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests

from airflow_provider_signalwire.testing import (
    DEFAULT_SEED_SIDS,
    SignalWireEmulator,
    seeded_sids,
)
from airflow_provider_signalwire.testing.responses import MORE_INFO

if TYPE_CHECKING:
    from conftest import Api


class TestSeeding:
    def test_seed_sids_are_deterministic_and_independent_of_project(self):
        one = SignalWireEmulator(project_id="a", token="t" * 10, seed=7)
        two = SignalWireEmulator(project_id="b", token="u" * 10, seed=7)
        assert one.conference_sids == two.conference_sids == seeded_sids(7)["conferences"]
        assert one.stream_sids == two.stream_sids
        assert one.demo_stream_sid == seeded_sids(7)["demo_stream_sid"]
        assert seeded_sids(0) == DEFAULT_SEED_SIDS
        assert seeded_sids(1)["conferences"] != seeded_sids(0)["conferences"]

    def test_seeded_conferences(self, api: Api):
        emu = api.emu
        got = {c: api.get(api.conference(c)).json() for c in emu.conference_sids}
        demo, waiting, standup = (got[sid] for sid in emu.conference_sids)
        assert (demo["friendly_name"], demo["status"]) == ("demo-conference", "in-progress")
        assert (waiting["friendly_name"], waiting["status"]) == ("waiting-room", "init")
        assert (standup["friendly_name"], standup["status"]) == ("yesterday-standup", "completed")
        demo_stream = emu.get_stream(emu.demo_conference_sid, "demo-stream")
        assert demo_stream is not None
        assert demo_stream["sid"] == emu.demo_stream_sid
        assert demo_stream["status"] == "in-progress"
        second = emu.get_stream(emu.demo_conference_sid, emu.stream_sids[1])
        assert second is not None
        assert second["name"] is None
        assert second["status"] == "in-progress"
        stopped = emu.get_stream(emu.conference_sids[2], emu.stream_sids[2])
        assert stopped is not None
        assert stopped["status"] == "stopped"
        assert len(api.get(api.conference() + "/Participants").json()["participants"]) == 2
        recordings = api.get(api.conference() + "/Recordings").json()["recordings"]
        assert [r["status"] for r in recordings] == ["in-progress"]

    def test_the_first_seeded_participant_ends_the_conference_on_exit(self, api: Api):
        ids = seeded_sids(0)
        participants = api.get(api.conference() + "/Participants").json()["participants"]
        ends = {p["call_sid"]: p["end_conference_on_exit"] for p in participants}
        assert ends == {ids["participants"][0]: True, ids["participants"][1]: False}
        recordings = api.get(api.conference() + "/Recordings").json()["recordings"]
        # The spec: a conference recording's call_sid is always null.
        assert [(r["sid"], r["call_sid"]) for r in recordings] == [(ids["recordings"][0], None)]


class TestAuth:
    @pytest.mark.parametrize(
        "auth", [None, ("test-project", "wrong"), ("someone-else", "test-token-0123456789")]
    )
    def test_bad_credentials_get_401(self, api: Api, auth):
        response = requests.get(api.base + "/Conferences", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {
            "code": 20003,
            "message": "Authentication failed",
            "more_info": MORE_INFO,
            "status": 401,
        }

    def test_other_account_in_path_gets_401(self, api: Api):
        # The spec documents 401, not 403, for every Conferences operation.
        url = api.base.replace("test-project", "other-project") + "/Conferences"
        response = api.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == 20003

    def test_unknown_route_gets_404_shape(self, api: Api):
        response = api.get(api.base + "/Calls")
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == 20404
        assert body["status"] == 404
        assert "/Calls" in body["message"]

    def test_wrong_method_gets_405(self, api: Api):
        response = api.delete(api.base + "/Conferences")
        assert response.status_code == 405
        assert response.json()["status"] == 405


class TestStopStream:
    def test_stop_then_repeat_answers_200_and_counts_once(self, api: Api):
        emu = api.emu
        first = api.post(api.stream(), data={"Status": "stopped"})
        assert first.status_code == 200
        body = first.json()
        assert body["status"] == "stopped"
        assert body["sid"] == emu.demo_stream_sid
        assert body["name"] == "demo-stream"
        assert body["uri"].endswith(f"/Streams/{emu.demo_stream_sid}.json")
        assert set(body) == {
            "account_sid",
            "conference_sid",
            "date_updated",
            "name",
            "sid",
            "status",
            "uri",
        }
        again = api.post(api.stream() + ".json", data={"Status": "stopped"})
        assert again.status_code == 200
        assert again.json()["status"] == "stopped"
        assert emu.stop_counts[emu.demo_stream_sid] == 1

    def test_repeat_stop_can_answer_404(self, api: Api):
        api.emu.repeat_stop_status = 404
        assert api.post(api.stream(), data={"Status": "stopped"}).status_code == 200
        again = api.post(api.stream(), data={"Status": "stopped"})
        assert again.status_code == 404
        assert again.json()["code"] == 20404
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "Status must be 'stopped'"),
            ({"Status": "completed"}, "Status must be 'stopped', got 'completed'"),
            ({"Status": "STOPPED"}, "Status must be 'stopped', got 'STOPPED'"),
        ],
    )
    def test_status_other_than_stopped_gets_422(self, api: Api, data, message):
        response = api.post(api.stream(), data=data)
        assert response.status_code == 422
        assert response.json() == {"errors": [message]}
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    def test_stop_by_name(self, api: Api):
        response = api.post(api.stream("demo-stream"), data={"Status": "stopped"})
        assert response.json()["sid"] == api.emu.demo_stream_sid

    def test_name_with_encoded_slash_stays_one_segment(self, api: Api):
        emu = api.emu
        stream = emu.add_stream(emu.demo_conference_sid, name="a/b c")
        response = api.post(api.stream("a%2Fb%20c"), data={"Status": "stopped"})
        assert response.status_code == 200
        assert response.json()["sid"] == stream["sid"]
        assert emu.requests[-1].raw_path.endswith("/Streams/a%2Fb%20c")

    def test_name_prefers_the_active_stream(self, api: Api):
        emu = api.emu
        emu.add_stream(emu.demo_conference_sid, name="dup", status="stopped")
        active = emu.add_stream(emu.demo_conference_sid, name="dup")
        emu.add_stream(emu.demo_conference_sid, name="dup", status="stopped")
        response = api.post(api.stream("dup"), data={"Status": "stopped"})
        assert response.json()["sid"] == active["sid"]

    @pytest.mark.parametrize("which", ["conference", "stream"])
    def test_unknown_gets_404(self, api: Api, which):
        url = api.stream(conference="nope") if which == "conference" else api.stream("nope")
        response = api.post(url, data={"Status": "stopped"})
        assert response.status_code == 404
        assert response.json()["code"] == 20404


class TestStartStream:
    def test_start_returns_200_with_stream_and_keeps_parameters(self, api: Api):
        data = {
            "Url": "wss://example.test/media",
            "Name": "mine",
            "Track": "inbound_track",
            "StreamCodec": "L16@16000h",
            "Parameter1.Name": "customer",
            "Parameter1.Value": "42",
            "Parameter99.Name": "last",
            "AuthorizationBearerToken": "bearer-secret",
        }
        response = api.post(api.conference() + "/Streams.json", data=data)
        assert response.status_code == 200
        body = response.json()
        assert (body["name"], body["status"]) == ("mine", "in-progress")
        stored = api.emu.get_stream(api.emu.demo_conference_sid, body["sid"])
        assert stored is not None
        assert stored["_parameters"] == {"customer": "42", "last": ""}
        assert stored["_options"]["Track"] == "inbound_track"
        assert "bearer-secret" not in repr(stored)
        assert api.emu.requests[-1].form["AuthorizationBearerToken"] == ["***"]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "Url must be a valid wss:// URL"),
            ({"Url": "ws://example.test"}, "Url must be a valid wss:// URL"),
            ({"Url": "wss://x", "Track": "left"}, "Track must be one of"),
            ({"Url": "wss://x", "StreamCodec": "MP3"}, "StreamCodec must be one of"),
            ({"Url": "wss://x", "StatusCallbackMethod": "PUT"}, "StatusCallbackMethod"),
            ({"Url": "wss://x", "StreamRealTime": "yes"}, "StreamRealTime"),
            ({"Url": "wss://x", "Parameter100.Name": "n"}, "numbered 1 to 99"),
            ({"Url": "wss://x", "Name": "demo-stream"}, "already active"),
        ],
    )
    def test_invalid_start_gets_422(self, api: Api, data, message):
        response = api.post(api.conference() + "/Streams", data=data)
        assert response.status_code == 422
        assert any(message in error for error in response.json()["errors"])

    def test_completed_conference_refuses_new_streams(self, api: Api):
        url = api.conference(api.emu.conference_sids[2]) + "/Streams"
        response = api.post(url, data={"Url": "wss://x"})
        assert response.status_code == 422

    def test_stopped_name_can_be_reused(self, api: Api):
        api.post(api.stream(), data={"Status": "stopped"})
        response = api.post(
            api.conference() + "/Streams", data={"Url": "wss://x", "Name": "demo-stream"}
        )
        assert response.status_code == 200


class TestConferences:
    def test_paging_follows_next_page_uri(self, api: Api):
        for i in range(4):
            api.emu.add_conference(friendly_name=f"extra-{i}")
        seen: list[str] = []
        url: str | None = api.base + "/Conferences.json?PageSize=2"
        pages = 0
        while url:
            body = api.get(url).json()
            pages += 1
            assert body["page_size"] == 2
            seen.extend(c["sid"] for c in body["conferences"])
            url = api.emu.url + body["next_page_uri"] if body["next_page_uri"] else None
        assert pages == 4
        assert len(seen) == len(set(seen)) == 7
        assert seen[0] != api.emu.demo_conference_sid  # newest first

    def test_next_page_uri_keeps_filters(self, api: Api):
        for _ in range(3):
            api.emu.add_conference(friendly_name="same")
        body = api.get(
            api.base + "/Conferences", params={"FriendlyName": "same", "PageSize": 1}
        ).json()
        assert body["next_page_uri"].endswith(
            "Conferences.json?Page=1&PageSize=1&FriendlyName=same&PageToken=PA1"
        )
        assert body["previous_page_uri"] is None
        last = api.get(api.emu.url + body["first_page_uri"].replace("Page=0", "Page=2")).json()
        assert last["next_page_uri"] is None
        assert [c["friendly_name"] for c in last["conferences"]] == ["same"]

    def test_filters(self, api: Api):
        emu = api.emu
        standup = api.get(api.conference(emu.conference_sids[2])).json()
        from email.utils import parsedate_to_datetime

        day = parsedate_to_datetime(standup["date_created"]).date().isoformat()
        by_status = api.get(api.base + "/Conferences", params={"Status": "completed"}).json()
        assert [c["sid"] for c in by_status["conferences"]] == [emu.conference_sids[2]]
        on_day = api.get(api.base + "/Conferences", params={"DateCreated": day}).json()
        assert emu.conference_sids[2] in [c["sid"] for c in on_day["conferences"]]
        before = api.get(api.base + "/Conferences?DateCreated<=" + day).json()
        assert emu.conference_sids[2] in [c["sid"] for c in before["conferences"]]
        after = api.get(api.base + "/Conferences?DateCreated>=2999-01-01").json()
        assert after["conferences"] == []

    @pytest.mark.parametrize(
        "params",
        [{"PageSize": "0"}, {"PageSize": "1001"}, {"Page": "-1"}, {"DateCreated": "yesterday"}],
    )
    def test_bad_list_parameters_get_400(self, api: Api, params):
        response = api.get(api.base + "/Conferences", params=params)
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"code", "message", "more_info", "status"}
        assert (body["code"], body["status"]) == (20400, 400)
        assert next(iter(params)) in body["message"]

    def test_completing_ends_streams_and_participants(self, api: Api):
        response = api.post(api.conference() + ".json", data={"Status": "completed"})
        assert response.status_code == 200
        assert response.json()["status"] == "completed"
        stream = api.emu.get_stream(api.emu.demo_conference_sid, api.emu.demo_stream_sid)
        assert stream is not None
        assert stream["status"] == "stopped"
        assert api.get(api.conference() + "/Participants").json()["participants"] == []
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    @pytest.mark.parametrize("data", [{"Status": "in-progress"}, {"AnnounceMethod": "PUT"}])
    def test_invalid_update_gets_422(self, api: Api, data):
        response = api.post(api.conference(), data=data)
        assert response.status_code == 422
        body = response.json()
        assert (body["status"], body["code"]) == (422, 20422)
        assert next(iter(data)) in body["message"]

    def test_conference_object_shape(self, api: Api):
        body = api.get(api.conference()).json()
        assert body["api_version"] == "2010-04-01"
        assert body["region"] == "us1"
        assert body["uri"] == f"{api.emu.base_path}/Conferences/{api.emu.demo_conference_sid}.json"
        assert body["subresource_uris"]["participants"].endswith("/Participants.json")
        assert body["date_created"].endswith("GMT")


class TestParticipantsAndRecordings:
    def test_participant_crud(self, api: Api):
        listing = api.get(api.conference() + "/Participants.json").json()
        call_sid = listing["participants"][0]["call_sid"]
        url = f"{api.conference()}/Participants/{call_sid}"
        assert api.get(url).json()["muted"] is False
        updated = api.post(url, data={"Muted": "true", "Hold": "true", "HoldMethod": "GET"})
        assert updated.status_code == 200
        assert (updated.json()["muted"], updated.json()["hold"]) == (True, True)
        muted = api.get(api.conference() + "/Participants", params={"Muted": "true"}).json()
        assert [p["call_sid"] for p in muted["participants"]] == [call_sid]
        assert api.post(url, data={"Muted": "maybe"}).status_code == 422
        assert api.delete(url).status_code == 204
        assert api.get(url).status_code == 404
        assert api.delete(url).status_code == 404

    def test_recording_crud(self, api: Api):
        listing = api.get(api.conference() + "/Recordings").json()
        sid = listing["recordings"][0]["sid"]
        url = f"{api.conference()}/Recordings/{sid}.json"
        body = api.get(url).json()
        assert body["source"] == "StartConferenceRecording"
        assert body["price"] is None
        paused = api.post(url, data={"Status": "paused", "PauseBehavior": "skip"})
        assert paused.json()["status"] == "paused"
        assert api.post(url, data={"Status": "completed"}).status_code == 422
        assert api.post(url, data={"Status": "stopped"}).json()["status"] == "stopped"
        deleted = api.delete(url)
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert api.get(url).status_code == 404


class TestRecording:
    def test_no_recorded_request_holds_credentials(self, api: Api):
        token = api.emu.token
        api.get(api.base + "/Conferences")
        api.post(api.stream(), data={"Status": "stopped"})
        requests.get(api.base + "/Conferences", auth=("test-project", "bad"), timeout=5)
        recorded = api.emu.requests
        assert len(recorded) == 3
        for item in recorded:
            assert "authorization" not in {k.lower() for k in item.headers}
            assert token not in repr(item)
        assert [r.auth_ok for r in recorded] == [True, True, False]
        assert recorded[0].auth_user == "test-project"
        assert recorded[1].form == {"Status": ["stopped"]}
        api.emu.clear_requests()
        assert api.emu.requests == []

    def test_requests_is_a_snapshot(self, api: Api):
        snapshot = api.emu.requests
        api.get(api.base + "/Conferences")
        assert snapshot == []
        assert len(api.emu.requests) == 1


def test_emulator_refuses_non_loopback_host():
    with pytest.raises(ValueError, match="loopback"):
        SignalWireEmulator(host="0.0.0.0")
