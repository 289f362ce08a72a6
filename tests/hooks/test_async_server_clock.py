"""SignalWireAsyncHook.server_now() and large answers decoded off the event loop (issue 22)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.hooks import _wire
from airflow_provider_signalwire.hooks._wire import OFF_LOOP_BYTES, AsyncSignalWireClient
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

if TYPE_CHECKING:
    import pytest

    from airflow_provider_signalwire.testing import SignalWireEmulator


def test_server_now_reads_the_date_header(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    emu.clock_offset = -600  # SignalWire ten minutes behind the triggerer

    async def scenario() -> None:
        async with SignalWireAsyncHook() as hook:
            assert hook.server_now() is None  # nothing answered yet
            await hook.get_conference(emu.demo_conference_sid)
            seen = hook.server_now()
            assert seen is not None
            # The header has whole seconds: at most one behind, never ahead.
            assert -1.5 < (seen - emu.server_now()).total_seconds() <= 0.1

    asyncio.run(scenario())


def test_server_now_moves_on_with_the_monotonic_clock_after_the_answer(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = signalwire_default
    # The client's monotonic clock alone, frozen and then moved by hand: the loop's is untouched.
    clock = SimpleNamespace(monotonic=lambda: 1000.0)
    monkeypatch.setattr(_wire, "time", clock)

    async def scenario() -> tuple[Any, Any]:
        async with SignalWireAsyncHook() as hook:
            await hook.get_conference(emu.demo_conference_sid)
            answered = hook.server_now()
            clock.monotonic = lambda: 1000.0 + 3600
            return answered, hook.server_now()

    answered, an_hour_later = asyncio.run(scenario())

    assert answered is not None
    assert an_hour_later - answered == timedelta(hours=1)


def record_decodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """From now on, record each answer the async client decodes: its size and the thread."""
    decoded: list[tuple[int, int]] = []
    decode = AsyncSignalWireClient.result

    def spy(self: AsyncSignalWireClient, answer: Any, *args: Any) -> Any:
        decoded.append((len(answer.body), threading.get_ident()))
        return decode(self, answer, *args)

    monkeypatch.setattr(AsyncSignalWireClient, "result", spy)
    return decoded


def test_a_large_answer_is_decoded_off_the_event_loop(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = signalwire_default
    for _ in range(1200):
        emu.add_conference("archive", "completed")
    threads = record_decodes(monkeypatch)

    async def scenario() -> int:
        async with SignalWireAsyncHook() as hook:
            listed = [c async for c in hook.list_conferences(page_size=1000)]
            await hook.get_conference(emu.demo_conference_sid)
        return len(listed)

    loop_thread = threading.get_ident()
    assert asyncio.run(scenario()) == 1203
    [(first, first_thread), (second, second_thread), (small, small_thread)] = threads
    assert first > OFF_LOOP_BYTES and first_thread != loop_thread  # 1,000 conferences
    assert second > OFF_LOOP_BYTES and second_thread != loop_thread  # 203
    assert small < OFF_LOOP_BYTES and small_thread == loop_thread  # one conference


def test_an_answer_of_exactly_the_off_loop_size_is_decoded_on_the_loop(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is "longer than": an answer of exactly that many bytes stays on the loop."""
    emu = signalwire_default
    seen = record_decodes(monkeypatch)

    async def scenario() -> None:
        async with SignalWireAsyncHook() as hook:
            await hook.get_conference(emu.demo_conference_sid)
            (size, _) = seen[0]
            for limit in (size, size - 1):  # the answer at the limit, then one byte over it
                monkeypatch.setattr(_wire, "OFF_LOOP_BYTES", limit)
                await hook.get_conference(emu.demo_conference_sid)

    loop_thread = threading.get_ident()
    asyncio.run(scenario())
    [(size, _), (at_limit, at_limit_thread), (over, over_thread)] = seen
    assert size == at_limit == over
    assert at_limit_thread == loop_thread
    assert over_thread != loop_thread
