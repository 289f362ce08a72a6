"""
The calls that build their path from a look-up or a form keep the ``account_sid`` they are given.

SignalWire subaccounts live under ``/Accounts/{their SID}``: a call given one must reach that
account, never fall back to the connection's Project ID. A loopback server answers each call
with an object of the right shape and records the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from reliability.hostile_server import Answer, Seen, hostile_server, json_answer
from signalwire_test_support import connection_json

from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Iterator

    from reliability.hostile_server import HostileServer

API = "/api/laml/2010-04-01/Accounts"
SUB = "AC-subaccount-1"
CONF = "CF-one"


def answer_for(seen: Seen) -> Answer:
    """An empty conference listing, or a stream just started."""
    if seen.path.endswith("/Conferences"):
        return json_answer({"conferences": [], "next_page_uri": None})
    return json_answer({"sid": "ST-new", "status": "in-progress"})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    with hostile_server(answer_for) as running:
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(running.url))
        yield running


def test_find_conference_by_name_lists_the_subaccounts_conferences(
    server: HostileServer,
) -> None:
    found = SignalWireHook(max_attempts=1).find_conference(friendly_name="room", account_sid=SUB)

    assert found is None
    [seen] = server.requests
    assert (seen.method, seen.path) == ("GET", f"{API}/{SUB}/Conferences")
    assert ("FriendlyName", "room") in seen.query


def test_start_conference_stream_starts_it_in_the_subaccount(server: HostileServer) -> None:
    stream = SignalWireHook(max_attempts=1).start_conference_stream(
        CONF, url="wss://media.example.com/s", account_sid=SUB
    )

    assert stream == {"sid": "ST-new", "status": "in-progress"}
    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", f"{API}/{SUB}/Conferences/{CONF}/Streams")
    assert seen.form == [("Url", "wss://media.example.com/s")]
