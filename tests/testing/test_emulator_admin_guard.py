"""
The emulator's ``/_emulator`` admin API refuses what a web page could send (issue 23, point 5).

DNS rebinding shows as a foreign ``Host``; CSRF as a cross-site ``Origin``. Both get 403 and
change nothing; clients on loopback (``requests``, ``httpx``, ``urllib``) keep working.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import urllib.request
from typing import Any

import httpx
import pytest
import requests
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.testing import SignalWireEmulator
from airflow_provider_signalwire.testing.admin import admin_refusal, allowed_hosts, is_admin_target


def raw_request(
    emu: SignalWireEmulator,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: str = "",
) -> tuple[int, dict[str, Any] | list[Any] | None]:
    """Send a request with exactly ``headers`` (no automatic ``Host``); return status and JSON."""
    connection = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        data = body.encode()
        if body:
            connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        response = connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None
    finally:
        connection.close()


def api(emu: SignalWireEmulator, method: str, relative: str, **form: str) -> requests.Response:
    """Call the emulated SignalWire API with the right credentials."""
    return requests.request(
        method,
        f"{emu.url}/api/laml/2010-04-01/Accounts/{PROJECT_ID}/{relative}",
        data=form or None,
        auth=(PROJECT_ID, TOKEN),
        timeout=10,
    )


def here(emu: SignalWireEmulator) -> str:
    return f"127.0.0.1:{emu.port}"


REFUSED = [
    pytest.param([("Host", "attacker.example")], "Host", id="rebound-host"),
    pytest.param(lambda port: [("Host", f"attacker.example:{port}")], "Host", id="rebound-port"),
    pytest.param(lambda port: [("Host", f"127.0.0.1:{port + 1}")], "Host", id="other-port"),
    pytest.param([("Host", "127.0.0.1")], "Host", id="no-port"),
    pytest.param([], "Host", id="no-host"),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Host", "attacker.example")],
        "Host",
        id="two-hosts",
    ),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Origin", "http://attacker.example")],
        "Origin",
        id="cross-site-origin",
    ),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Origin", "null")],
        "Origin",
        id="null-origin",
    ),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Origin", "http://localhost:3000")],
        "Origin",
        id="another-local-app",
    ),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Origin", f"https://127.0.0.1:{port}")],
        "Origin",
        id="other-scheme",
    ),
    pytest.param(
        lambda port: [("Host", f"127.0.0.1:{port}"), ("Sec-Fetch-Site", "cross-site")],
        "Sec-Fetch-Site",
        id="fetch-metadata-cross-site",
    ),
]


def headers_for(spec: Any, emu: SignalWireEmulator) -> list[tuple[str, str]]:
    return spec(emu.port) if callable(spec) else spec


class TestRefused:
    @pytest.mark.parametrize(("spec", "named"), REFUSED)
    def test_reading_recorded_messages_is_refused(
        self, emulator: SignalWireEmulator, spec: Any, named: str
    ) -> None:
        sent = api(emulator, "POST", "Messages.json", To="+15550100001", From="+15550100999",
                   Body="one-time code 424242")  # fmt: skip
        assert sent.status_code == 201

        status, body = raw_request(emulator, "GET", "/_emulator/state", headers_for(spec, emulator))

        assert status == 403
        assert isinstance(body, dict) and named in body["message"]
        assert "424242" not in json.dumps(body)

    @pytest.mark.parametrize(("spec", "named"), REFUSED)
    def test_injecting_a_fault_is_refused_and_changes_nothing(
        self, emulator: SignalWireEmulator, spec: Any, named: str
    ) -> None:
        status, _ = raw_request(
            emulator, "POST", "/_emulator/faults", headers_for(spec, emulator), "Status=503"
        )

        assert status == 403
        assert api(emulator, "GET", "Conferences.json").status_code == 200  # no fault queued

    def test_a_percent_encoded_admin_path_is_guarded_too(
        self, emulator: SignalWireEmulator
    ) -> None:
        kept = emulator.add_conference(friendly_name="kept")["sid"]

        status, _ = raw_request(emulator, "POST", "/%5Femulator/reset", [("Host", "evil.test")])

        assert status == 403
        assert api(emulator, "GET", f"Conferences/{kept}.json").status_code == 200

    def test_the_api_itself_is_not_affected(self, emulator: SignalWireEmulator) -> None:
        auth = base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode()
        path = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Conferences.json"

        status, body = raw_request(
            emulator,
            "GET",
            path,
            [("Host", "space.signalwire.com"), ("Authorization", f"Basic {auth}")],
        )

        assert status == 200 and isinstance(body, dict) and "conferences" in body


class TestAllowed:
    @pytest.mark.parametrize(
        "extra",
        [
            pytest.param([], id="no-origin"),
            pytest.param(lambda port: [("Origin", f"http://127.0.0.1:{port}")], id="same-origin"),
            pytest.param([("Sec-Fetch-Site", "same-origin")], id="fetch-same-origin"),
            pytest.param([("Sec-Fetch-Site", "none")], id="typed-into-the-address-bar"),
        ],
    )
    def test_a_loopback_client_is_served(self, emulator: SignalWireEmulator, extra: Any) -> None:
        headers = [("Host", here(emulator)), *headers_for(extra, emulator)]

        status, body = raw_request(emulator, "GET", "/_emulator/state", headers)

        assert status == 200 and isinstance(body, dict)

    def test_localhost_with_the_port_is_served(self, emulator: SignalWireEmulator) -> None:
        status, _ = raw_request(
            emulator, "GET", "/_emulator/stats", [("Host", f"LOCALHOST:{emulator.port}")]
        )

        assert status == 200

    def test_python_http_clients_keep_working(self, emulator: SignalWireEmulator) -> None:
        url = f"{emulator.url}/_emulator/faults"

        assert requests.post(url, data={"Status": "503"}, timeout=10).status_code == 201
        assert httpx.delete(url, timeout=10).status_code == 204
        with urllib.request.urlopen(f"{emulator.url}/_emulator/state", timeout=10) as answer:
            assert answer.status == 200
        assert requests.get(f"http://localhost:{emulator.port}/_emulator/state", timeout=10).ok

    def test_an_ipv6_emulator_takes_its_bracketed_address(self) -> None:
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(("::1", 0))
            probe.close()
        except OSError:
            pytest.skip("no IPv6 loopback here")
        with SignalWireEmulator(host="::1") as emu:
            ok, _ = raw_request(emu, "GET", "/_emulator/state", [("Host", f"[::1]:{emu.port}")])
            refused, _ = raw_request(emu, "GET", "/_emulator/state", [("Host", "evil.test")])

        assert (ok, refused) == (200, 403)


class TestRules:
    @pytest.mark.parametrize(
        ("target", "admin"),
        [
            ("/_emulator/state", True),
            ("/_emulator", True),
            ("/%5femulator/state", True),
            ("/_emulator?x=1", True),
            ("/api/laml/2010-04-01/Accounts", False),
            ("http://evil/_emulator/state", False),
            ("/x/_emulator", False),
        ],
    )
    def test_which_targets_are_admin(self, target: str, admin: bool) -> None:
        assert is_admin_target(target) is admin

    def test_allowed_hosts(self) -> None:
        assert allowed_hosts(("127.0.0.1", 8765)) == {"127.0.0.1:8765", "localhost:8765"}
        assert allowed_hosts(("::1", 80, 0, 0)) == {
            "[::1]:80",
            "localhost:80",
            "[::1]",
            "localhost",
        }

    def test_a_long_foreign_host_is_cut_in_the_message(self) -> None:
        refusal = admin_refusal(["x" * 10_000], [], None, ("127.0.0.1", 1))

        assert refusal is not None and refusal.status == 403
        assert refusal.length < 600
