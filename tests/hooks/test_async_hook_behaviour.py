"""
SignalWireAsyncHook over its life: hours idle between calls, clients opened and closed (counted).

A trigger keeps its hook for as long as it waits, hours or days, with one call per poll
interval: each call after a long idle must still work and still be bounded by the read
timeout. Each HTTP client the hook builds must be closed exactly once, by ``aclose``, by the
end of ``async with``, or, for triggers, when the last user of the shared hook leaves.
The idle time is the event loop's clock moved by the test (SteppedLoop), never a real wait.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, SteppedLoop, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionError,
    SignalWireNotFoundError,
)
from airflow_provider_signalwire.hooks import async_signalwire
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook, open_hooks
from airflow_provider_signalwire.testing import Fault
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from airflow_provider_signalwire.testing import SignalWireEmulator

ACCOUNT_PATH = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}"
HOURS = 3600.0


class Clients:
    """Counts the HTTP clients hooks open (enter) and close, by replacing the hook's client."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    counts = Clients()
    base = async_signalwire.AsyncSignalWireClient

    class CountedClient(base):  # type: ignore[misc, valid-type]
        async def __aenter__(self) -> Any:
            counts.opened += 1
            return await super().__aenter__()

        async def aclose(self) -> None:
            if self._client is not None:
                counts.closed += 1
            await super().aclose()

    monkeypatch.setattr(async_signalwire, "AsyncSignalWireClient", CountedClient)
    return counts


def run_stepped(scenario: Coroutine[Any, Any, Any]) -> Any:
    loop = SteppedLoop()
    try:
        return loop.run_within(scenario)
    finally:
        loop.close()


def test_a_long_lived_hook_works_after_hours_idle_and_keeps_its_deadline(
    signalwire_default: SignalWireEmulator, clients: Clients
) -> None:
    emu = signalwire_default
    sid = emu.demo_conference_sid

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, SteppedLoop)
        seen: list[str] = []
        async with SignalWireAsyncHook(timeout=0.3, max_attempts=1) as hook:
            seen.append((await hook.get_conference(sid))["sid"])
            loop.ahead += 6 * HOURS  # idle far longer than any watchdog or deadline
            seen.append((await hook.get_conference(sid))["sid"])
            loop.ahead += 6 * HOURS
            emu.add_fault(Fault(delay=1.5), times=1)
            with pytest.raises(SignalWireConnectionError, match=r"within the 0\.3s read timeout"):
                await hook.get_conference(sid)
            loop.ahead += 6 * HOURS
            seen.append((await hook.get_conference(sid))["sid"])
        return seen

    assert run_stepped(scenario()) == [sid, sid, sid]
    assert len(emu.requests) == 4
    assert (clients.opened, clients.closed) == (1, 1)  # one client for the hook's whole life


def test_aclose_closes_the_client_once_and_a_later_call_opens_another(
    signalwire_default: SignalWireEmulator, clients: Clients
) -> None:
    sid = signalwire_default.demo_conference_sid

    async def scenario() -> list[tuple[int, int]]:
        counts: list[tuple[int, int]] = []
        hook = SignalWireAsyncHook()
        await hook.aclose()  # nothing opened yet: nothing to close
        counts.append((clients.opened, clients.closed))
        await hook.get_conference(sid)
        await hook.get_conference(sid)
        counts.append((clients.opened, clients.closed))
        await hook.aclose()
        await hook.aclose()
        counts.append((clients.opened, clients.closed))
        async with hook:
            await hook.get_conference(sid)
            counts.append((clients.opened, clients.closed))
        counts.append((clients.opened, clients.closed))
        return counts

    assert asyncio.run(scenario()) == [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2)]


def test_triggers_sharing_a_hook_close_its_client_once_when_the_last_one_ends(
    signalwire_default: SignalWireEmulator, clients: Clients
) -> None:
    emu = signalwire_default
    sids = [emu.add_conference(friendly_name=f"c{i}", status="completed")["sid"] for i in range(3)]
    triggers = [
        ConferenceStatusTrigger(conference_sid=sid, poll_interval=0.05, initial_backoff=0.0)
        for sid in sids
    ]

    async def scenario() -> list[dict[str, Any]]:
        async def first(trigger: ConferenceStatusTrigger) -> dict[str, Any]:
            [payload] = [event.payload async for event in trigger.run()]
            return payload

        payloads = await asyncio.gather(*(first(t) for t in triggers))
        assert open_hooks() == 0
        return payloads

    payloads = asyncio.run(asyncio.wait_for(scenario(), 10))

    assert [p["conference"]["sid"] for p in payloads] == sids
    assert (clients.opened, clients.closed) == (1, 1)


def test_a_cancelled_trigger_closes_the_client_it_opened(
    signalwire_default: SignalWireEmulator, clients: Clients
) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="forever", status="in-progress")["sid"]
    trigger = ConferenceStatusTrigger(conference_sid=sid, poll_interval=0.05)

    async def scenario() -> None:
        running = asyncio.ensure_future(trigger.run().__anext__())
        while not emu.requests:
            await asyncio.sleep(0.01)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        assert open_hooks() == 0

    asyncio.run(asyncio.wait_for(scenario(), 10))

    assert (clients.opened, clients.closed) == (1, 1)


@pytest.mark.parametrize(
    ("hook_timeout", "read_timeout"),
    [(None, 7.0), (0.25, 0.25), (3600, 3600.0)],
    ids=["the connection's", "the hook's", "the hook's longest"],
)
def test_the_hook_s_timeout_overrides_the_connection_s(
    emulator: SignalWireEmulator,
    monkeypatch: pytest.MonkeyPatch,
    hook_timeout: float | None,
    read_timeout: float,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SW_TIMEOUTS", connection_json(emulator.url, timeout=7))

    async def scenario() -> float:
        hook = SignalWireAsyncHook("sw_timeouts", timeout=hook_timeout)
        settings = await hook.get_settings()
        assert await hook.get_settings() is settings  # fetched once
        return settings.read_timeout

    assert asyncio.run(scenario()) == read_timeout


class Airflow31Connection:
    """A connection as Airflow 3.1 hands it to an async hook: its extra in ``extra_dejson`` only."""

    def __init__(self, **extra: Any) -> None:
        self.host, self.port = "example.signalwire.com", None
        self.login, self.password = PROJECT_ID, TOKEN
        self._extra = extra

    @property
    def extra_dejson(self) -> dict[str, Any]:
        return dict(self._extra)


class Airflow32Connection(Airflow31Connection):
    """Airflow 3.2 and later: in a triggerer, ``extra_dejson`` masks the extra's secrets with a
    blocking call (``DeadlockImminentError``); ``aextra_dejson`` masks them the async way."""

    @property
    def extra_dejson(self) -> dict[str, Any]:
        raise RuntimeError("DeadlockImminentError: mask_secret called from the event loop")

    async def aextra_dejson(self) -> dict[str, Any]:
        return dict(self._extra)


@pytest.mark.parametrize(
    "connection",
    [Airflow31Connection, Airflow32Connection],
    ids=["Airflow 3.1: extra_dejson", "Airflow 3.2 and later: aextra_dejson"],
)
def test_the_connection_s_extra_is_read_the_way_its_airflow_allows_in_an_event_loop(
    connection: type[Airflow31Connection],
) -> None:
    conn = connection(timeout=7)

    async def scenario() -> float:
        hook = SignalWireAsyncHook("sw_stand_in")

        async def aget_connection(conn_id: str) -> Airflow31Connection:
            assert conn_id == "sw_stand_in"
            return conn

        hook.aget_connection = aget_connection  # type: ignore[method-assign]
        return (await hook.get_settings()).read_timeout

    assert asyncio.run(scenario()) == 7.0


def test_server_now_is_none_until_an_answer_then_signalwire_s_clock(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    emu.clock_offset = 3 * 86400.0  # SignalWire's clock three days ahead of this machine's

    async def scenario() -> tuple[Any, Any]:
        async with SignalWireAsyncHook() as hook:
            before = hook.server_now()
            await hook.get_conference(emu.demo_conference_sid)
            return before, hook.server_now()

    before, after = asyncio.run(scenario())

    assert before is None
    local = datetime.datetime.now(datetime.timezone.utc)
    assert abs((after - local).total_seconds() - 3 * 86400) < 60


#: Each call with an account of its own -> the path it must request.
ACCOUNT_CALLS = {
    "get_conference": (
        lambda hook: hook.get_conference("CF-1", account_sid="AC-other"),
        "/api/laml/2010-04-01/Accounts/AC-other/Conferences/CF-1",
    ),
    "find_conference by SID": (
        lambda hook: hook.find_conference(conference_sid="CF-1", account_sid="AC-other"),
        "/api/laml/2010-04-01/Accounts/AC-other/Conferences/CF-1",
    ),
    "find_conference by name": (
        lambda hook: hook.find_conference(friendly_name="standup", account_sid="AC-other"),
        "/api/laml/2010-04-01/Accounts/AC-other/Conferences",
    ),
}


@pytest.mark.parametrize(("call", "path"), ACCOUNT_CALLS.values(), ids=list(ACCOUNT_CALLS))
def test_an_account_of_its_own_is_the_account_requested(
    signalwire_default: SignalWireEmulator, call: Any, path: str
) -> None:
    emu = signalwire_default

    async def scenario() -> None:
        async with SignalWireAsyncHook(max_attempts=1) as hook:
            with pytest.raises(Exception, match="401"):  # the emulator knows one account
                await call(hook)

    asyncio.run(scenario())

    assert [(r.method, r.path) for r in emu.requests] == [("GET", path)]


def test_find_conference_by_name_asks_for_the_name_and_takes_the_newest(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    emu.add_conference(friendly_name="retro", status="completed")
    newest = emu.add_conference(friendly_name="retro", status="in-progress")

    async def scenario() -> Any:
        async with SignalWireAsyncHook() as hook:
            return await hook.find_conference(friendly_name="retro")

    found = asyncio.run(scenario())

    assert found["sid"] == newest["sid"]
    [request] = emu.requests
    assert request.path == f"{ACCOUNT_PATH}/Conferences"
    assert request.query == {"FriendlyName": ["retro"], "PageSize": ["100"]}


def test_find_conference_of_an_unknown_sid_names_it_and_the_account(
    signalwire_default: SignalWireEmulator,
) -> None:
    async def scenario() -> None:
        async with SignalWireAsyncHook() as hook:
            await hook.find_conference(conference_sid="CF-nope")

    with pytest.raises(SignalWireNotFoundError) as caught:
        asyncio.run(scenario())

    assert str(caught.value).startswith(
        f"SignalWire conference CF-nope does not exist in account {PROJECT_ID} "
        f"(SignalWire answered 404 Not Found to GET {ACCOUNT_PATH}/Conferences/CF-nope"
    )
    assert caught.value.status_code == 404
