"""
Worker process of the per-call benchmark: runs one client variant N times on command.

Self-contained (no import from the ``benchmarks`` folder) because it also runs in the separate
``signalwire-sdk`` virtualenv. Reads JSON lines ``{"variant": ..., "n": ...}`` on stdin and answers
``{"us": per-call microseconds}``; a client is built once per variant and kept (keep-alive).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from collections.abc import Callable  # noqa: TC003
from typing import Any


def build(variant: str, args: argparse.Namespace) -> Callable[[], Any]:
    path = (
        f"/api/laml/2010-04-01/Accounts/{args.project}/Conferences/{args.conference}"
        f"/Streams/{args.stream}"
    )
    url = f"{args.url}{path}"
    if variant == "socket":
        return raw_socket(args, path)
    if variant in ("requests", "requests_no_env"):
        import requests

        session = requests.Session()
        session.auth = (args.project, args.token)
        # requests_no_env: the same, minus the per-request proxy/netrc environment lookups
        # (trust_env=False), as the hook's session is configured.
        session.trust_env = variant == "requests"

        def call() -> Any:
            response = session.post(url, data={"Status": "stopped"})
            response.raise_for_status()
            return response.json()

        return call
    if variant == "hook":
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        hook = SignalWireHook("signalwire_default")
        return lambda: hook.stop_conference_stream(args.conference, args.stream)
    if variant == "httphook":
        from airflow.providers.http.hooks.http import HttpHook

        http = HttpHook(method="POST", http_conn_id="signalwire_http")
        return lambda: http.run(path, data={"Status": "stopped"}).json()
    if variant == "sdk":
        from signalwire.rest import RestClient

        host = args.url.split("://", 1)[1]
        client = RestClient(project=args.project, token=args.token, host=host)
        # The SDK always builds https://<host>; point it at the plain-HTTP loopback server.
        client._http._base_url = args.url
        return lambda: client.compat.conferences.stop_stream(
            args.conference, args.stream, Status="stopped"
        )
    raise SystemExit(f"unknown variant {variant!r}")


def raw_socket(args: argparse.Namespace, path: str) -> Callable[[], Any]:
    """A hand-written keep-alive client: the floor of server plus kernel, no HTTP library."""
    import base64

    host, port = args.url.split("://", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    auth = base64.b64encode(f"{args.project}:{args.token}".encode()).decode()
    body = b"Status=stopped"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Basic {auth}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    def call() -> bytes:
        sock.sendall(request)
        data = b""
        while True:
            data += sock.recv(65536)
            end = data.find(b"\r\n\r\n")
            if end < 0:
                continue
            head = data[:end].lower()
            at = head.find(b"content-length:")
            length = int(
                head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]
            )
            while len(data) < end + 4 + length:
                data += sock.recv(65536)
            return data[end + 4 :]

    return call


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("url", "project", "token", "conference", "stream"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    clients: dict[str, Callable[[], Any]] = {}
    for line in sys.stdin:
        command = json.loads(line)
        variant, n = command["variant"], int(command["n"])
        if variant not in clients:
            clients[variant] = build(variant, args)
            answer = clients[variant]()
            if isinstance(answer, dict) and answer.get("status") != "stopped":
                raise SystemExit(f"{variant}: unexpected answer {answer!r}")
        call = clients[variant]
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        for _ in range(n):
            call()
        elapsed = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        print(json.dumps({"us": elapsed / n / 1000.0, "cpu_us": cpu / n / 1000.0}), flush=True)


if __name__ == "__main__":
    main()
