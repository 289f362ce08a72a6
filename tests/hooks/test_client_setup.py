"""
What the sync and the async client are built with, seen from the server's side.

Both clients must send the same headers, ignore proxy settings in the environment (the Space is
the only place credentials go), and build without warnings, whatever the connection's TLS setting.
"""

from __future__ import annotations

import asyncio
import re
import socket
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire import __version__
from airflow_provider_signalwire.hooks._connection import settings_from_connection
from airflow_provider_signalwire.hooks._wire import build_client
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def get_demo_conference(kind: str, emulator: SignalWireEmulator) -> dict[str, Any]:
    """Fetch the emulator's demo conference through the sync or the async hook."""
    if kind == "sync":
        return SignalWireHook().get_conference(emulator.demo_conference_sid)

    async def fetch() -> dict[str, Any]:
        async with SignalWireAsyncHook() as hook:
            return await hook.get_conference(emulator.demo_conference_sid)

    return asyncio.run(fetch())


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_every_request_names_the_provider_and_asks_for_json(
    signalwire_default: SignalWireEmulator, kind: str
) -> None:
    get_demo_conference(kind, signalwire_default)

    (request,) = signalwire_default.requests
    headers = {name.lower(): value for name, value in request.headers.items()}  # any case is HTTP
    library = "python-requests" if kind == "sync" else "python-httpx"
    assert re.fullmatch(
        rf"airflow-provider-signalwire/{re.escape(__version__)} {library}/[0-9.]+",
        headers["user-agent"],
    )
    assert headers["accept"] == "application/json"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_proxy_settings_in_the_environment_are_ignored(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A proxy variable set for other tools must not route the credentials elsewhere."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    conference = get_demo_conference(kind, signalwire_default)

    assert conference["sid"] == signalwire_default.demo_conference_sid
    assert len(signalwire_default.requests) == 1


@pytest.mark.parametrize("verify", [{}, {"verify": False}, {"verify": "ca-bundle"}])
def test_the_async_client_builds_without_warnings(tmp_path: Path, verify: dict[str, Any]) -> None:
    """A CA bundle is loaded into an SSL context (httpx deprecates a path), so no warning."""
    if verify.get("verify") == "ca-bundle":
        bundle = tmp_path / "ca.pem"
        bundle.write_text(ssl_default_bundle())
        verify = {"verify": str(bundle)}
    settings = settings_from_connection(
        host="example.signalwire.com",
        login="0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c",
        password="PTsetup-token",
        port=None,
        extra=verify,
        conn_id="setup",
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = build_client(settings)
    asyncio.run(client.aclose())


def ssl_default_bundle() -> str:
    """The text of a CA bundle that loads: certifi's, which httpx depends on."""
    import certifi

    with open(certifi.where(), encoding="utf-8") as bundle:
        return bundle.read()
