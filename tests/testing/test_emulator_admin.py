from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
import requests

from airflow_provider_signalwire.testing import Fault

if TYPE_CHECKING:
    from conftest import Api


def admin(api: Api, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{api.emu.url}/_emulator/{path}", timeout=5, **kwargs)


class TestAdminEndpoints:
    def test_state(self, api: Api):
        api.post(api.stream(), data={"Status": "stopped"})
        state = admin(api, "GET", "state").json()
        assert state["stop_counts"][api.emu.demo_stream_sid] == 1
        demo = state["conferences"][0]
        assert demo["sid"] == api.emu.demo_conference_sid
        assert [s["sid"] for s in demo["streams"]] == api.emu.stream_sids[:2]
        assert "token" not in state
        assert api.emu.token not in admin(api, "GET", "state").text

    def test_requests_lists_api_calls_only(self, api: Api):
        api.get(api.conference())
        admin(api, "GET", "state")
        listed = admin(api, "GET", "requests").json()
        assert [r["method"] for r in listed] == ["GET"]
        assert listed[0]["path"].endswith(api.emu.demo_conference_sid)
        assert len(api.emu.requests) == 1
        assert admin(api, "DELETE", "requests").status_code == 204
        assert api.emu.requests == []

    def test_create_conference_and_streams(self, api: Api):
        created = admin(
            api, "POST", "conferences", data={"FriendlyName": "ops", "Status": "in-progress"}
        )
        assert created.status_code == 201
        sid = created.json()["sid"]
        assert api.get(api.conference(sid)).json()["friendly_name"] == "ops"
        streams = admin(api, "POST", f"conferences/{sid}/streams", data={"Count": "3"})
        assert streams.status_code == 201
        assert len(streams.json()["streams"]) == 3
        named = admin(api, "POST", f"conferences/{sid}/streams", data={"Name": "one"}).json()
        assert named["streams"][0]["name"] == "one"
        assert api.post(api.stream("one", sid), data={"Status": "stopped"}).status_code == 200

    def test_set_status_now_and_later(self, api: Api):
        sid = api.emu.conference_sids[1]
        now = admin(api, "POST", f"conferences/{sid}", data={"Status": "in-progress"})
        assert now.json()["status"] == "in-progress"
        later = admin(
            api, "POST", f"conferences/{sid}", data={"Status": "completed", "After": "0.2"}
        )
        assert later.json()["status"] == "in-progress"
        deadline = time.monotonic() + 3
        while api.get(api.conference(sid)).json()["status"] != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.05)

    def test_faults_and_config(self, api: Api):
        created = admin(
            api,
            "POST",
            "faults",
            data={"Status": "429", "Times": "2", "RetryAfter": "1", "Method": "GET"},
        )
        assert created.status_code == 201
        assert created.json()["fault"]["times"] == 2
        assert [api.get(api.conference()).status_code for _ in range(3)] == [429, 429, 200]
        admin(api, "POST", "faults", data={"Action": "drop"})
        assert admin(api, "DELETE", "faults").status_code == 204
        assert api.get(api.conference()).status_code == 200
        config = admin(api, "POST", "config", data={"RepeatStopStatus": "404", "Latency": "0"})
        assert config.json() == {"repeat_stop_status": 404, "latency": 0.0}
        assert api.emu.repeat_stop_status == 404

    def test_reset_restores_the_seed_and_keeps_settings(self, api: Api):
        admin(api, "POST", "config", data={"RepeatStopStatus": "404"})
        api.post(api.stream(), data={"Status": "stopped"})
        admin(api, "POST", "conferences", data={"FriendlyName": "extra"})
        admin(api, "POST", "faults", data={"Status": "503", "Times": "5"})
        assert admin(api, "POST", "reset").status_code == 204
        state = admin(api, "GET", "state").json()
        assert [c["sid"] for c in state["conferences"]] == api.emu.conference_sids
        assert state["stop_counts"][api.emu.demo_stream_sid] == 0
        assert state["repeat_stop_status"] == 404
        assert api.emu.requests == []
        assert api.get(api.conference()).status_code == 200  # the fault went too

    def test_stats_peak_and_reset(self, api: Api):
        api.get(api.conference())
        assert admin(api, "GET", "stats").json() == {"max_in_flight": 1}
        assert admin(api, "DELETE", "stats").status_code == 204
        assert admin(api, "GET", "stats").json() == {"max_in_flight": 0}
        assert api.emu.max_in_flight == 0

    def test_streams_one_per_name(self, api: Api):
        sid = api.emu.demo_conference_sid
        created = admin(api, "POST", f"conferences/{sid}/streams", data={"Name": ["a", "b"]})
        assert [s["name"] for s in created.json()["streams"]] == ["a", "b"]
        mismatch = {"Name": ["a", "b"], "Count": "3"}
        assert admin(api, "POST", f"conferences/{sid}/streams", data=mismatch).status_code == 422

    def test_add_participants(self, api: Api):
        sid = admin(api, "POST", "conferences", data={"Status": "in-progress"}).json()["sid"]
        added = admin(api, "POST", f"conferences/{sid}/participants", data={"Count": "2"})
        assert added.status_code == 201
        call_sids = [p["call_sid"] for p in added.json()["participants"]]
        assert len(set(call_sids)) == 2
        listed = api.get(f"{api.conference(sid)}/Participants").json()["participants"]
        assert [(p["call_sid"], p["muted"], p["hold"]) for p in listed] == [
            (call_sid, False, False) for call_sid in call_sids
        ]

    @pytest.mark.parametrize(("count", "status"), [("0", 422), ("101", 422), ("x", 422)])
    def test_add_participants_refuses_bad_counts(self, api: Api, count: str, status: int):
        sid = api.emu.demo_conference_sid
        before = len(admin(api, "GET", "state").json()["conferences"][0]["participants"])
        got = admin(api, "POST", f"conferences/{sid}/participants", data={"Count": count})
        assert got.status_code == status
        after = len(admin(api, "GET", "state").json()["conferences"][0]["participants"])
        assert after == before

    def test_add_participants_to_an_unknown_conference_is_404(self, api: Api):
        got = admin(api, "POST", "conferences/no-such-conference/participants")
        assert got.status_code == 404
        assert all(
            not c["sid"].startswith("no-such")
            for c in admin(api, "GET", "state").json()["conferences"]
        )

    def test_config_reads_back(self, api: Api):
        assert admin(api, "GET", "config").json() == {"repeat_stop_status": 200, "latency": 0.0}

    @pytest.mark.parametrize(
        ("method", "path", "data", "status"),
        [
            ("GET", "nothing", None, 404),
            ("POST", "state", None, 405),
            ("GET", "reset", None, 405),
            ("POST", "stats", None, 405),
            ("POST", "conferences", {"Status": "bogus"}, 422),
            ("POST", "conferences/unknown", {"Status": "completed"}, 404),
            ("POST", "faults", {"Action": "explode"}, 422),
            ("POST", "config", {"RepeatStopStatus": "500"}, 422),
        ],
    )
    def test_admin_errors(self, api: Api, method, path, data, status):
        assert admin(api, method, path, data=data).status_code == status


class TestHelpers:
    def test_schedule_conference_status(self, signalwire_emulator):
        emu = signalwire_emulator
        emu.schedule_conference_status(emu.demo_conference_sid, "completed", after=0.1)
        deadline = time.monotonic() + 3
        while emu.get_stream(emu.demo_conference_sid, emu.demo_stream_sid)["status"] != "stopped":
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def test_helpers_return_api_objects(self, signalwire_emulator):
        emu = signalwire_emulator
        conference = emu.add_conference(friendly_name="x", status="init")
        assert conference["status"] == "init"
        participant = emu.add_participant(conference["sid"], muted=True)
        assert participant["muted"] is True
        recording = emu.add_recording(conference["sid"])
        assert recording["status"] == "in-progress"
        stream = emu.add_stream(conference["sid"], name="s")
        assert emu.get_stream(conference["sid"], "s")["sid"] == stream["sid"]
        assert emu.stop_counts[stream["sid"]] == 0
        assert emu.set_conference_status(conference["sid"], "completed")["status"] == "completed"
        assert emu.get_stream(conference["sid"], "s")["status"] == "stopped"
        assert emu.get_stream(conference["sid"], "missing") is None

    def test_reset(self, signalwire_emulator):
        emu = signalwire_emulator
        emu.add_conference("extra")
        emu.set_conference_status(emu.demo_conference_sid, "completed")
        emu.add_fault(Fault(status=503))
        emu.reset()
        state = emu.state()
        assert [c["sid"] for c in state["conferences"]] == emu.conference_sids
        assert state["conferences"][0]["status"] == "in-progress"
        assert len(state["conferences"][0]["participants"]) == 2
        assert emu.get_stream(emu.demo_conference_sid, emu.demo_stream_sid)["status"] == (
            "in-progress"
        )
        with requests.Session() as session:
            session.auth = (emu.project_id, emu.token)
            url = f"{emu.url}{emu.base_path}/Conferences/{emu.demo_conference_sid}.json"
            assert session.get(url, timeout=5).status_code == 200

    def test_lifecycle(self):
        from airflow_provider_signalwire.testing import SignalWireEmulator

        emu = SignalWireEmulator(project_id="p", token="token-123456")
        assert emu.start() is emu
        url = emu.url
        assert url == f"http://127.0.0.1:{emu.port}"
        with requests.Session() as session:
            assert session.get(url + "/_emulator/state", timeout=5).status_code == 200
            emu.stop()
            emu.stop()
            with pytest.raises(requests.ConnectionError):
                session.get(url + "/_emulator/state", timeout=5)
