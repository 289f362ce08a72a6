"""Request bodies and methods: JSON applied like forms, 415, 405 with Allow, never HTML or 5xx."""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING

import pytest
import requests

if TYPE_CHECKING:
    from conftest import Api

ERROR_FIELDS = {"code", "message", "more_info", "status"}


def raw_exchange(api: Api, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes on a fresh connection; return status, headers and body (up to close)."""
    with socket.create_connection(("127.0.0.1", api.emu.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


class TestJsonBodies:
    def test_json_stop_is_applied(self, api: Api):
        response = api.post(api.stream(), json={"Status": "stopped"})
        assert response.status_code == 200
        assert response.json()["status"] == "stopped"
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 1
        assert api.emu.requests[-1].form == {"Status": ["stopped"]}

    def test_json_booleans_are_applied_to_participants(self, api: Api):
        call_sid = api.get(api.conference() + "/Participants").json()["participants"][0]["call_sid"]
        url = f"{api.conference()}/Participants/{call_sid}"
        answer = api.post(url, json={"Muted": True, "Hold": False})
        assert answer.status_code == 200
        assert (answer.json()["muted"], answer.json()["hold"]) == (True, False)
        assert api.get(url).json()["muted"] is True

    def test_json_stream_start_keeps_parameters(self, api: Api):
        body = {"Url": "wss://example.test/a", "Parameter1.Name": "n", "Parameter1.Value": 7}
        answer = api.post(api.conference() + "/Streams", json=body)
        assert answer.status_code == 200
        stored = api.emu.get_stream(api.emu.demo_conference_sid, answer.json()["sid"])
        assert stored is not None
        assert stored["_parameters"] == {"n": "7"}

    def test_json_invalid_values_are_refused_like_forms(self, api: Api):
        answer = api.post(api.stream(), json={"Status": "paused"})
        assert answer.status_code == 422
        assert answer.json() == {"errors": ["Status must be 'stopped', got 'paused'"]}
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    @pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"Status": {"a": 1}}'])
    def test_malformed_json_gets_400(self, api: Api, body):
        answer = api.post(api.stream(), data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400
        assert set(answer.json()) == ERROR_FIELDS
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    @pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
    def test_other_body_types_get_415(self, api: Api, content_type):
        answer = api.post(
            api.stream(), data=b"Status=stopped", headers={"Content-Type": content_type}
        )
        assert answer.status_code == 415
        body = answer.json()
        assert (set(body), body["status"]) == (ERROR_FIELDS, 415)
        assert api.emu.stop_counts[api.emu.demo_stream_sid] == 0

    def test_unknown_body_field_is_refused_not_ignored(self, api: Api):
        call_sid = api.get(api.conference() + "/Participants").json()["participants"][0]["call_sid"]
        url = f"{api.conference()}/Participants/{call_sid}"
        answer = api.post(url, data={"Muted": "true", "BeepOnExit": "true"})
        assert answer.status_code == 422
        assert "BeepOnExit" in answer.json()["message"]
        assert api.get(url).json()["muted"] is False


class TestMethods:
    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("PUT", "/Conferences", "GET"),
            ("DELETE", "/Conferences/{conference}", "GET, POST"),
            ("PATCH", "/Conferences/{conference}/Participants", "GET"),
            ("GET", "/Conferences/{conference}/Streams", "POST"),
            ("OPTIONS", "/Conferences/{conference}/Streams/{stream}", "POST"),
            ("TRACE", "/Conferences/{conference}/Recordings/x", "GET, POST, DELETE"),
            ("BREW", "/Conferences", "GET"),
        ],
    )
    def test_method_not_allowed_is_405_with_allow(self, api: Api, method, path, allow):
        url = api.base + path.format(
            conference=api.emu.demo_conference_sid, stream=api.emu.demo_stream_sid
        )
        answer = api.session.request(method, url, timeout=5)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == allow
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json() == {
            "code": 20004,
            "message": "Method not allowed",
            "more_info": answer.json()["more_info"],
            "status": 405,
        }

    def test_head_gets_headers_without_a_body(self, api: Api):
        answer = api.session.head(api.conference(), timeout=5)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "GET, POST"
        assert answer.content == b""
        assert api.get(api.conference()).status_code == 200  # the connection is still usable

    def test_unauthenticated_trace_is_401_json(self, api: Api):
        answer = requests.request("TRACE", api.base + "/Conferences", timeout=5)
        assert answer.status_code == 401
        assert set(answer.json()) == ERROR_FIELDS


class TestMalformedRequests:
    @pytest.mark.parametrize(
        "request_bytes",
        [
            b"GARBAGE\r\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET /api HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        ],
    )
    def test_never_html_never_5xx(self, api: Api, request_bytes):
        status, headers, body = raw_exchange(api, request_bytes)
        assert 400 <= status < 500
        assert headers["content-type"].startswith("application/json")
        assert set(json.loads(body)) == ERROR_FIELDS
