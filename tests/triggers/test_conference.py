"""ConferenceStatusTrigger against the local emulator over loopback: one event, retries, errors."""

from __future__ import annotations

import ast
import asyncio
import base64
import datetime
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, connection_json

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks import _conference_poller, _errors, _wire
from airflow_provider_signalwire.hooks._conferences import (
    newest_conference,
    parse_date_created,
    validate_target_status,
)
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.triggers import conference as trigger_module
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

CLASS_PATH = "airflow_provider_signalwire.triggers.conference.ConferenceStatusTrigger"


def run_trigger(trigger: ConferenceStatusTrigger, *, within: float = 5.0) -> list[dict[str, Any]]:
    """Run the trigger's generator to its end in a fresh event loop; return the event payloads."""

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(asyncio.wait_for(collect(), within))


def make_trigger(**kwargs: Any) -> ConferenceStatusTrigger:
    defaults: dict[str, Any] = {"poll_interval": 0.1, "initial_backoff": 0.0, "max_backoff": 0.0}
    return ConferenceStatusTrigger(**{**defaults, **kwargs})


def conference_gets(emu: SignalWireEmulator, sid: str) -> int:
    path = f"{emu.base_path}/Conferences/{sid}"
    return sum(1 for r in emu.requests if r.method == "GET" and r.path == path)


def account_polls(emu: SignalWireEmulator) -> int:
    """Listings of the account's recently updated conferences: how the trigger polls."""
    listings = [r for r in emu.requests if r.path == f"{emu.base_path}/Conferences"]
    polls = [r for r in listings if "FriendlyName" not in r.query]  # not a lookup by name
    assert all(
        r.method == "GET" and "DateUpdated>" in r.query and r.query["PageSize"] == ["1000"]
        for r in polls
    )
    return len(polls)


def complete_after_first_poll(emu: SignalWireEmulator, sid: str) -> None:
    """Complete the conference 0.3 s after the trigger's first poll (a daemon thread)."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not emu.requests:
            time.sleep(0.02)
        emu.schedule_conference_status(sid, "completed", after=0.3)

    threading.Thread(target=watch, daemon=True).start()


@pytest.fixture
def nothing_recent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every conference look not updated since the poll's floor: each needs its own look."""
    monkeypatch.setattr(
        _conference_poller, "_yesterday", lambda: datetime.date.today() + datetime.timedelta(days=2)
    )


class TestSerialize:
    def test_round_trips_every_argument(self) -> None:
        trigger = ConferenceStatusTrigger(
            friendly_name="weekly-standup",
            target_statuses=["in-progress", "completed"],
            signalwire_conn_id="sw",
            account_sid="AC123",
            poll_interval=15,
            max_attempts=3,
            initial_backoff=0.5,
            max_backoff=8,
        )
        class_path, kwargs = trigger.serialize()
        assert class_path == CLASS_PATH
        assert kwargs == {
            "conference_sid": None,
            "friendly_name": "weekly-standup",
            "target_statuses": ["in-progress", "completed"],
            "signalwire_conn_id": "sw",
            "account_sid": "AC123",
            "poll_interval": 15.0,
            "max_attempts": 3,
            "initial_backoff": 0.5,
            "max_backoff": 8.0,
        }
        assert json.loads(json.dumps(kwargs)) == kwargs
        rebuilt = ConferenceStatusTrigger(**kwargs)
        assert rebuilt.serialize() == (class_path, kwargs)

    def test_defaults(self) -> None:
        _, kwargs = ConferenceStatusTrigger(conference_sid="CF1").serialize()
        assert kwargs["target_statuses"] == ["completed"]
        assert kwargs["signalwire_conn_id"] == "signalwire_default"

    @pytest.mark.parametrize(
        "kwargs",
        [{}, {"conference_sid": "CF1", "friendly_name": "standup"}],
        ids=["neither", "both"],
    )
    def test_needs_exactly_one_of_sid_and_name(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(SignalWireValidationError, match="exactly one"):
            ConferenceStatusTrigger(**kwargs)

    def test_refuses_unknown_status(self) -> None:
        with pytest.raises(SignalWireValidationError, match="target_status"):
            ConferenceStatusTrigger(conference_sid="CF1", target_statuses=["ended"])


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("completed", ("completed",)),
            (["init", "in-progress"], ("init", "in-progress")),
            (("completed", "completed"), ("completed",)),
        ],
    )
    def test_validate_target_status(self, value: Any, expected: tuple[str, ...]) -> None:
        assert validate_target_status(value) == expected

    @pytest.mark.parametrize("value", ["done", "", [], ["completed", "over"], None, 3, {"x": 1}])
    def test_validate_target_status_refuses(self, value: Any) -> None:
        with pytest.raises(SignalWireValidationError, match="Invalid target_status"):
            validate_target_status(value)

    @pytest.mark.parametrize(
        "text",
        [
            "Tue, 25 Sep 2018 20:00:00 +0000",
            "Tue, 25 Sept 2018 20:00:00 +0000",
            "Tue, 25 Sep 2018 20:00:00 GMT",
        ],
    )
    def test_parse_date_created(self, text: str) -> None:
        parsed = parse_date_created(text)
        assert parsed is not None
        assert parsed.isoformat() == "2018-09-25T20:00:00+00:00"

    @pytest.mark.parametrize("text", [None, "", "yesterday", 42])
    def test_parse_date_created_unreadable(self, text: Any) -> None:
        assert parse_date_created(text) is None

    def test_newest_conference_by_date_created_not_list_order(self) -> None:
        listed: list[dict[str, Any]] = [
            {"sid": "old", "friendly_name": "a", "date_created": "Mon, 01 Jan 2024 10:00:00 +0000"},
            {"sid": "new", "friendly_name": "a", "date_created": "Mon, 01 Jan 2024 12:00:00 +0000"},
            {"sid": "undated", "friendly_name": "a", "date_created": None},
            {
                "sid": "other",
                "friendly_name": "b",
                "date_created": "Tue, 02 Jan 2024 12:00:00 +0000",
            },
        ]
        assert newest_conference(listed, "a") == listed[1]
        assert newest_conference(listed, "c") is None
        assert newest_conference([], "a") is None


class TestModule:
    def test_http_client_is_not_imported_at_module_level(self) -> None:
        tree = ast.parse(Path(trigger_module.__file__).read_text())
        top_level = {
            alias.name.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        assert not top_level & {"httpx", "requests", "tenacity"}


class TestRunAgainstEmulator:
    def test_success_when_conference_reaches_status(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        complete_after_first_poll(emu, conference["sid"])

        events = run_trigger(make_trigger(conference_sid=conference["sid"]))

        assert len(events) == 1
        assert events[0]["status"] == "success"
        assert events[0]["conference"]["sid"] == conference["sid"]
        assert events[0]["conference"]["status"] == "completed"
        assert 2 <= account_polls(emu) <= 12
        assert conference_gets(emu, conference["sid"]) == 0  # the listing showed it

    def test_already_in_target_status_needs_one_request(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="done", status="completed")

        events = run_trigger(make_trigger(conference_sid=conference["sid"]))

        assert [e["status"] for e in events] == ["success"]
        assert len(emu.requests) == account_polls(emu) == 1

    def test_list_of_target_statuses(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="init")
        emu.schedule_conference_status(conference["sid"], "in-progress", after=0.3)

        events = run_trigger(
            make_trigger(
                conference_sid=conference["sid"], target_statuses=["in-progress", "completed"]
            )
        )

        assert events == [{"status": "success", "conference": events[0]["conference"]}]
        assert events[0]["conference"]["status"] == "in-progress"

    def test_friendly_name_lookup(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        emu.add_conference(friendly_name="other", status="in-progress")
        conference = emu.add_conference(friendly_name="board-meeting", status="in-progress")
        complete_after_first_poll(emu, conference["sid"])

        events = run_trigger(make_trigger(friendly_name="board-meeting"))

        assert events[0]["status"] == "success"
        assert events[0]["conference"]["sid"] == conference["sid"]
        # Created since yesterday: the account listing shows it, no lookup by name is needed.
        assert len(emu.requests) == account_polls(emu) >= 2

    @pytest.mark.usefixtures("nothing_recent")
    def test_friendly_name_lookup_of_a_conference_the_listing_misses(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_conference(friendly_name="other", status="completed")
        conference = emu.add_conference(friendly_name="board-meeting", status="completed")

        events = run_trigger(make_trigger(friendly_name="board-meeting"))

        assert events[0]["conference"]["sid"] == conference["sid"]
        lookups = [r for r in emu.requests if "FriendlyName" in r.query]
        assert [r.query["FriendlyName"] for r in lookups] == [["board-meeting"]]
        assert account_polls(emu) == len(emu.requests) - 1 == 1

    @pytest.mark.usefixtures("nothing_recent")
    def test_sid_lookup_of_a_conference_the_listing_misses(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="old", status="completed")

        events = run_trigger(make_trigger(conference_sid=conference["sid"]))

        assert events[0]["conference"]["sid"] == conference["sid"]
        assert conference_gets(emu, conference["sid"]) == 1
        assert account_polls(emu) == 1

    def test_friendly_name_picks_the_newest_conference(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_conference(friendly_name="retro", status="completed")
        newest = emu.add_conference(friendly_name="retro", status="in-progress")
        emu.schedule_conference_status(newest["sid"], "completed", after=0.3)

        events = run_trigger(make_trigger(friendly_name="retro"))

        assert events[0]["conference"]["sid"] == newest["sid"]

    def test_friendly_name_not_created_yet_is_waited_for(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        created: list[dict[str, Any]] = []
        timer = threading.Timer(
            0.3,
            lambda: created.append(emu.add_conference(friendly_name="late", status="completed")),
        )
        timer.start()
        try:
            events = run_trigger(make_trigger(friendly_name="late"))
        finally:
            timer.cancel()

        assert events[0]["status"] == "success"
        assert events[0]["conference"]["sid"] == created[0]["sid"]

    def test_error_event_for_wrong_token(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        wrong = "wrong-token-LEAKCHECK-0000"
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, token=wrong)
        )

        events = run_trigger(make_trigger(conference_sid=emulator.demo_conference_sid))

        assert len(events) == 1
        assert events[0]["status"] == "error"
        assert "401" in events[0]["message"]
        assert events[0]["error_type"] == "SignalWireAuthError"
        assert wrong not in events[0]["message"]
        assert TOKEN not in events[0]["message"]
        assert len(emulator.requests) == 1  # 401 is not retried

    def test_error_event_for_unknown_sid(self, signalwire_default: SignalWireEmulator) -> None:
        unknown = str(uuid.uuid4())

        events = run_trigger(make_trigger(conference_sid=unknown))

        assert len(events) == 1
        assert events[0]["status"] == "error"
        assert (
            f"conference {unknown} does not exist in account {PROJECT_ID}" in events[0]["message"]
        )
        assert "404" in events[0]["message"]
        assert events[0]["error_type"] == "SignalWireNotFoundError"
        assert TOKEN not in events[0]["message"]

    def test_retries_503_then_succeeds(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="flaky", status="completed")
        emu.add_fault(Fault(status=503), times=2)

        events = run_trigger(make_trigger(conference_sid=conference["sid"], max_attempts=3))

        assert events[0]["status"] == "success"
        assert len(emu.requests) == account_polls(emu) == 3

    @pytest.mark.parametrize(
        ("initial_backoff", "max_backoff", "bounds"),
        [
            # initial * 2 ** (attempt - 1) plus up to initial of jitter ...
            (0.25, 100.0, [(0.25, 0.5), (0.5, 0.75)]),
            # ... capped at max_backoff
            (100.0, 2.5, [(2.5, 2.5), (2.5, 2.5)]),
            (3.0, 0.0, [(0.0, 0.0), (0.0, 0.0)]),
        ],
    )
    def test_waits_between_attempts_follow_the_triggers_backoff(
        self,
        signalwire_default: SignalWireEmulator,
        monkeypatch: pytest.MonkeyPatch,
        initial_backoff: float,
        max_backoff: float,
        bounds: list[tuple[float, float]],
    ) -> None:
        """The trigger's own backoff reaches the shared hook: doubled from the first, capped."""
        slept: list[float] = []

        async def recorded_sleep(seconds: float) -> None:
            slept.append(seconds)

        monkeypatch.setattr(SignalWireAsyncHook, "sleep", staticmethod(recorded_sleep))
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="backoff", status="completed")
        emu.add_fault(Fault(status=503), times=2)
        trigger = make_trigger(
            conference_sid=conference["sid"],
            max_attempts=3,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )

        events = run_trigger(trigger)

        assert events[0]["status"] == "success"
        assert len(slept) == len(bounds)
        assert all(low <= wait <= high for wait, (low, high) in zip(slept, bounds, strict=True))

    def test_503_until_attempts_run_out(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="down", status="completed")
        emu.add_fault(Fault(status=503), times=5)

        events = run_trigger(make_trigger(conference_sid=conference["sid"], max_attempts=2))

        assert events[0]["status"] == "error"
        assert "503" in events[0]["message"]
        assert "gave up after 2 attempts" in events[0]["message"]
        assert len(emu.requests) == account_polls(emu) == 2

    def test_dropped_connection_is_retried(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="drop", status="completed")
        emu.add_fault(Fault(action="drop"), times=1)

        events = run_trigger(make_trigger(conference_sid=conference["sid"]))

        assert events[0]["status"] == "success"
        assert len(emu.requests) == account_polls(emu) == 2

    def test_redirect_is_not_followed(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        emu.add_fault(
            Fault(status=302, headers={"Location": "http://127.0.0.1:9/elsewhere"}), times=1
        )

        events = run_trigger(make_trigger(conference_sid=emu.demo_conference_sid))

        assert events[0]["status"] == "error"
        assert "not followed" in events[0]["message"]
        assert len(emu.requests) == 1

    def test_body_over_the_limit_is_refused(
        self, signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_errors, "MAX_BODY_BYTES", 16)
        monkeypatch.setattr(_wire, "MAX_BODY_BYTES", 16)

        events = run_trigger(make_trigger(conference_sid=signalwire_default.demo_conference_sid))

        assert events[0]["status"] == "error"
        assert "refused to read it" in events[0]["message"]

    def test_missing_connection_is_an_error_event(self) -> None:
        events = run_trigger(
            make_trigger(conference_sid="CF1", signalwire_conn_id="nope_not_defined")
        )

        assert len(events) == 1
        assert events[0]["status"] == "error"
        assert "nope_not_defined" in events[0]["message"]

    def test_sends_basic_auth_of_the_connection(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        run_trigger(
            make_trigger(
                conference_sid=emu.demo_conference_sid,
                target_statuses=["init", "in-progress", "completed"],
            )
        )

        assert emu.requests
        assert all(r.auth_ok and r.auth_user == PROJECT_ID for r in emu.requests)

    def test_token_and_basic_header_are_masked(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        from airflow.sdk.log import redact  # type: ignore[attr-defined]

        emu = signalwire_default
        conference = emu.add_conference(friendly_name="masked", status="completed")
        events = run_trigger(make_trigger(conference_sid=conference["sid"]))
        basic = base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode()

        assert events[0]["status"] == "success"
        assert TOKEN not in str(redact(f"token {TOKEN}"))
        assert basic not in str(redact(f"Authorization: Basic {basic}"))

    def test_cancellation_ends_without_event(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="forever", status="in-progress")
        trigger = make_trigger(conference_sid=conference["sid"])
        events: list[dict[str, Any]] = []

        async def collect() -> None:
            async for event in trigger.run():
                events.append(event.payload)

        with pytest.raises(TimeoutError):
            asyncio.run(asyncio.wait_for(collect(), 0.4))
        assert events == []
