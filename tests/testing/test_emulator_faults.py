from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
import requests

from airflow_provider_signalwire.testing import Fault

if TYPE_CHECKING:
    from conftest import Api


class TestFaultActions:
    def test_respond_answers_without_applying(self, api: Api):
        api.emu.add_fault(Fault(status=503, retry_after="2"))
        response = api.post(api.stream(), data={"Status": "stopped"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert response.json()["status"] == 503
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0
        assert api.emu.requests[-1].fault == "respond:503"
        assert api.post(api.stream(), data={"Status": "stopped"}).status_code == 200

    @pytest.mark.parametrize(
        ("body", "content_type", "expected"),
        [
            ({"errors": ["custom"]}, "application/json", b'{"errors": ["custom"]}'),
            ("<html>proxy</html>", "text/html", b"<html>proxy</html>"),
            (b"", "text/plain", b""),
        ],
    )
    def test_respond_with_custom_body(self, api: Api, body, content_type, expected):
        api.emu.add_fault(Fault(status=502, body=body, content_type=content_type))
        response = api.get(api.conference())
        assert (response.status_code, response.content) == (502, expected)
        assert response.headers["Content-Type"] == content_type

    def test_large_body_is_sent_whole(self, api: Api):
        big = "x" * (3 * 1024 * 1024 + 7)
        api.emu.add_fault(Fault(status=500, body=big, content_type="text/plain"))
        response = api.get(api.conference())
        assert len(response.content) == len(big)

    def test_drop_closes_without_answer_and_applies_nothing(self, api: Api):
        api.emu.add_fault(Fault(action="drop"))
        with pytest.raises(requests.ConnectionError):
            api.post(api.stream(), data={"Status": "stopped"})
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0
        assert api.emu.requests[-1].fault == "drop"

    def test_reset_closes_with_rst(self, api: Api):
        api.emu.add_fault(Fault(action="reset"))
        with pytest.raises(requests.ConnectionError):
            api.post(api.stream(), data={"Status": "stopped"})
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    def test_apply_then_drop_loses_the_response_but_changes_state(self, api: Api):
        api.emu.add_fault(Fault(action="apply_then_drop"))
        with pytest.raises(requests.ConnectionError):
            api.post(api.stream(), data={"Status": "stopped"})
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1
        retry = api.post(api.stream(), data={"Status": "stopped"})
        assert (retry.status_code, retry.json()["status"]) == (200, "stopped")
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1

    def test_truncate_cuts_the_body(self, api: Api):
        api.emu.add_fault(Fault(action="truncate"))
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            api.post(api.stream(), data={"Status": "stopped"})
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1

    def test_truncate_with_status_does_not_apply(self, api: Api):
        api.emu.add_fault(Fault(action="truncate", status=200, body={"status": "stopped"}))
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            api.post(api.stream(), data={"Status": "stopped"})
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    def test_delay_provokes_read_timeout(self, api: Api):
        api.emu.add_fault(Fault(delay=0.5))
        with pytest.raises(requests.exceptions.ReadTimeout):
            api.session.get(api.conference(), timeout=0.1)
        assert api.get(api.conference()).status_code == 200


class TestFaultMatching:
    def test_times_and_fifo(self, api: Api):
        api.emu.add_fault(Fault(status=500), times=2)
        api.emu.add_fault(Fault(status=429))
        statuses = [api.get(api.conference()).status_code for _ in range(4)]
        assert statuses == [500, 500, 429, 200]

    def test_method_and_path_filters(self, api: Api):
        api.emu.add_fault(Fault(status=503, method="post", path_contains="/Streams/"))
        assert api.get(api.conference()).status_code == 200
        assert api.post(api.conference(), data={}).status_code == 200
        assert api.post(api.stream(), data={"Status": "stopped"}).status_code == 503

    def test_path_filter_sees_decoded_path(self, api: Api):
        api.emu.add_fault(Fault(status=500, path_contains="a b"))
        assert api.post(api.stream("a%20b"), data={"Status": "stopped"}).status_code == 500

    def test_clear_faults(self, api: Api):
        api.emu.add_fault(Fault(status=500), times=5)
        api.emu.clear_faults()
        assert api.get(api.conference()).status_code == 200

    def test_faults_never_touch_admin(self, api: Api):
        api.emu.add_fault(Fault(action="drop"))
        assert requests.get(api.emu.url + "/_emulator/state", timeout=5).status_code == 200
        with pytest.raises(requests.ConnectionError):
            api.get(api.conference())

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [({"action": "explode"}, "action"), ({"status": 99}, "status"), ({"delay": -1.0}, "delay")],
    )
    def test_invalid_fault_is_refused(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            Fault(**kwargs)

    def test_times_must_be_positive(self, api: Api):
        with pytest.raises(ValueError, match="times"):
            api.emu.add_fault(Fault(status=500), times=0)


class TestConcurrency:
    def test_max_in_flight_and_latency(self, api: Api):
        api.emu.latency = 0.2
        url = api.conference()
        auth = (api.emu.project_id, api.emu.token)
        results: list[int] = []

        def call() -> None:
            results.append(requests.get(url, auth=auth, timeout=5).status_code)

        threads = [threading.Thread(target=call) for _ in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert results == [200] * 8
        assert api.emu.max_in_flight >= 4
        assert 0.2 <= elapsed < 1.5  # served in parallel, each delayed
        api.emu.latency = 0.0
        api.emu.reset_max_in_flight()
        assert api.emu.max_in_flight == 0

    def test_concurrent_stops_apply_once(self, api: Api):
        url = api.stream()
        auth = (api.emu.project_id, api.emu.token)
        statuses: list[int] = []
        barrier = threading.Barrier(10)

        def stop() -> None:
            barrier.wait()
            response = requests.post(url, data={"Status": "stopped"}, auth=auth, timeout=5)
            statuses.append(response.status_code)

        threads = [threading.Thread(target=stop) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 10
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1
