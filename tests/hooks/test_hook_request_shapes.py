"""
What each conference call of the sync hook sends, byte for byte, and how it names an odd answer.

A scripted loopback server answers every call with an object of the right shape and records
the request. One table covers every method with the connection's account and with another
(SignalWire subaccounts live under ``/Accounts/{their SID}``), each optional filter or field on
its own, and the answer naming another object than the one asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from reliability.hostile_server import (
    Answer,
    Seen,
    json_answer,
    serving_signalwire_default,
)
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from reliability.hostile_server import HostileServer

API = "/api/laml/2010-04-01/Accounts"
SUB = "AC-subaccount-1"
CONF, CALL, REC = "CF-one", "CA-one", "RE-one"


def answer_for(seen: Seen) -> Answer:
    """An answer of the right shape for each path: the listed collection, or the object asked."""
    if seen.method == "DELETE":
        return Answer(status=204, headers=[])
    last = seen.path.rsplit("/", 1)[-1].removesuffix("")
    lists = {
        "Conferences": "conferences",
        "Participants": "participants",
        "Recordings": "recordings",
    }
    if last in lists:
        return json_answer({lists[last]: [], "next_page_uri": None})
    return json_answer({"sid": last, "call_sid": last, "status": "in-progress"})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    with serving_signalwire_default(monkeypatch, answer_for) as running:
        yield running


def hook() -> SignalWireHook:
    return SignalWireHook(max_attempts=1)


# (call on a hook with an account_sid, method, path after the account, query, form)
CALLS: list[tuple[str, Callable[[SignalWireHook, dict[str, Any]], Any], str, str, Any, Any]] = [
    ("list_conferences", lambda h, a: list(h.list_conferences(**a)), "GET",
     "/Conferences", [], []),
    ("get_conference", lambda h, a: h.get_conference(CONF, **a), "GET",
     f"/Conferences/{CONF}", [], []),
    ("find_conference", lambda h, a: h.find_conference(friendly_name="room", **a), "GET",
     "/Conferences", [("FriendlyName", "room"), ("PageSize", "100")], []),
    ("update_conference", lambda h, a: h.update_conference(CONF, status="completed", **a), "POST",
     f"/Conferences/{CONF}", [], [("Status", "completed")]),
    ("start_conference_stream",
     lambda h, a: h.start_conference_stream(CONF, url="wss://media.example.com/s", **a), "POST",
     f"/Conferences/{CONF}/Streams", [], [("Url", "wss://media.example.com/s")]),
    ("list_participants", lambda h, a: list(h.list_participants(CONF, **a)), "GET",
     f"/Conferences/{CONF}/Participants", [], []),
    ("get_participant", lambda h, a: h.get_participant(CONF, CALL, **a), "GET",
     f"/Conferences/{CONF}/Participants/{CALL}", [], []),
    ("update_participant", lambda h, a: h.update_participant(CONF, CALL, muted=False, **a), "POST",
     f"/Conferences/{CONF}/Participants/{CALL}", [], [("Muted", "false")]),
    ("remove_participant", lambda h, a: h.remove_participant(CONF, CALL, **a), "DELETE",
     f"/Conferences/{CONF}/Participants/{CALL}", [], []),
    ("list_recordings", lambda h, a: list(h.list_recordings(CONF, **a)), "GET",
     f"/Conferences/{CONF}/Recordings", [], []),
    ("get_recording", lambda h, a: h.get_recording(CONF, REC, **a), "GET",
     f"/Conferences/{CONF}/Recordings/{REC}", [], []),
    ("update_recording", lambda h, a: h.update_recording(CONF, REC, status="paused", **a),
     "POST", f"/Conferences/{CONF}/Recordings/{REC}", [], [("Status", "paused")]),
    ("delete_recording", lambda h, a: h.delete_recording(CONF, REC, **a), "DELETE",
     f"/Conferences/{CONF}/Recordings/{REC}", [], []),
]  # fmt: skip


@pytest.mark.usefixtures("server")
class TestEveryCallOnEitherAccount:
    @pytest.mark.parametrize("account", [None, SUB], ids=["connection-account", "subaccount"])
    @pytest.mark.parametrize(
        ("name", "call", "method", "path", "query", "form"), CALLS, ids=[c[0] for c in CALLS]
    )
    def test_method_path_query_and_form(
        self,
        server: HostileServer,
        account: str | None,
        name: str,
        call: Callable[[SignalWireHook, dict[str, Any]], Any],
        method: str,
        path: str,
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        call(hook(), {} if account is None else {"account_sid": account})
        [seen] = server.requests
        assert (seen.method, seen.path) == (method, f"{API}/{account or PROJECT_ID}{path}")
        assert (seen.query, seen.form) == (query, form)


class TestOptionalFieldsEachOnItsOwn:
    @pytest.mark.parametrize(
        ("filters", "query"),
        [
            ({"muted": True}, [("Muted", "true")]),
            ({"muted": False}, [("Muted", "false")]),
            ({"hold": True}, [("Hold", "true")]),
            ({"hold": False}, [("Hold", "false")]),
            ({"page_size": 7}, [("PageSize", "7")]),
            ({"muted": True, "hold": False, "page_size": 1000},
             [("Muted", "true"), ("Hold", "false"), ("PageSize", "1000")]),
        ],
    )  # fmt: skip
    def test_list_participants_filters_reach_the_query(
        self, server: HostileServer, filters: dict[str, Any], query: list[tuple[str, str]]
    ) -> None:
        assert list(hook().list_participants(CONF, **filters)) == []
        [seen] = server.requests
        assert sorted(seen.query) == sorted(query)

    @pytest.mark.parametrize("pause_behavior", ["skip", "silence"])
    def test_update_recording_sends_the_pause_behavior(
        self, server: HostileServer, pause_behavior: str
    ) -> None:
        hook().update_recording(CONF, REC, status="paused", pause_behavior=pause_behavior)
        [seen] = server.requests
        assert seen.form == [("Status", "paused"), ("PauseBehavior", pause_behavior)]

    @pytest.mark.parametrize("announce_method", ["GET", "POST"])
    def test_update_conference_sends_the_announcement(
        self, server: HostileServer, announce_method: str
    ) -> None:
        url = "https://example.com/announce.xml"
        hook().update_conference(CONF, announce_url=url, announce_method=announce_method)
        [seen] = server.requests
        assert seen.form == [("AnnounceUrl", url), ("AnnounceMethod", announce_method)]

    @pytest.mark.parametrize("bad", ["get", "PUT", ""])
    def test_update_conference_names_a_bad_announce_method(
        self, server: HostileServer, bad: str
    ) -> None:
        with pytest.raises(SignalWireError) as refused:
            hook().update_conference(CONF, announce_method=bad)
        assert str(refused.value) == f"Invalid announce_method {bad!r}: expected one of GET, POST."
        assert server.requests == []


class TestAnAnswerForAnotherObject:
    @pytest.mark.parametrize(
        ("call", "method", "path"),
        [
            (lambda h: h.update_conference(CONF, status="completed"), "POST",
             f"/Conferences/{CONF}"),
            (lambda h: h.get_participant(CONF, CALL), "GET",
             f"/Conferences/{CONF}/Participants/{CALL}"),
            (lambda h: h.get_recording(CONF, REC), "GET",
             f"/Conferences/{CONF}/Recordings/{REC}"),
            (lambda h: h.update_recording(CONF, REC, status="stopped"), "POST",
             f"/Conferences/{CONF}/Recordings/{REC}"),
        ],
        ids=["update_conference", "get_participant", "get_recording", "update_recording"],
    )  # fmt: skip
    def test_is_refused_naming_the_request(
        self,
        monkeypatch: pytest.MonkeyPatch,
        call: Callable[[SignalWireHook], Any],
        method: str,
        path: str,
    ) -> None:
        other = json_answer({"sid": "OTHER", "call_sid": "OTHER", "status": "completed"})
        with (
            serving_signalwire_default(monkeypatch, lambda seen: other),
            pytest.raises(SignalWireError) as refused,
        ):
            call(hook())
        assert f"{method} {API}/{PROJECT_ID}{path}" in str(refused.value)
        assert "OTHER" in str(refused.value)
        assert TOKEN not in str(refused.value)


class TestTheConnectionTest:
    @pytest.mark.parametrize(
        ("page", "seen"),
        [
            ({"conferences": [{"sid": "CF1", "status": "completed"}]}, 1),
            ({"conferences": []}, 0),
            ({}, 0),
        ],
    )
    def test_reports_the_conferences_it_saw_after_one_get(
        self, monkeypatch: pytest.MonkeyPatch, page: dict[str, Any], seen: int
    ) -> None:
        with serving_signalwire_default(monkeypatch, lambda request: json_answer(page)) as server:
            ok, message = hook().test_connection()
        assert ok is True
        assert message == (
            f"Connected to {server.url} as project {PROJECT_ID} ({seen} conference(s) seen)."
        )
        [request] = server.requests
        assert (request.method, request.path) == ("GET", f"{API}/{PROJECT_ID}/Conferences")
        assert request.query == [("PageSize", "1")]
