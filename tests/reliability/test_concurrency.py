"""
Many threads stopping many streams: each stopped exactly once, no errors, no connection churn.

urllib3 logs ``Starting new HTTP connection`` at DEBUG for every socket it opens and ``Connection
pool is full, discarding connection`` at WARNING when a pool is too small for its threads; both
are captured to count connections and to prove there is no churn.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ListHandler

    from airflow_provider_signalwire.testing import SignalWireEmulator

    MakeHook = Callable[..., SignalWireHook]

THREADS = 50
CHURN = ("Connection pool is full", "Resetting dropped connection")


def add_streams(emu: SignalWireEmulator, count: int) -> list[str]:
    return [emu.add_stream(emu.demo_conference_sid)["sid"] for _ in range(count)]


def stopped(emu: SignalWireEmulator) -> dict[str, int]:
    return {sid: count for sid, count in emu.stop_counts.items() if count}


def new_connections(log: ListHandler) -> int:
    return sum("Starting new HTTP connection" in line for line in log.lines())


def assert_no_churn(log: ListHandler) -> None:
    lines = log.lines()
    for sign in CHURN:
        assert not [line for line in lines if sign in line], sign
    assert log.lines(logging.WARNING) == []


def run_together(work: Callable[[int], str], count: int) -> list[str]:
    """Run ``work(i)`` for every i on its own thread, all released at the same moment."""
    barrier = threading.Barrier(count)

    def released(index: int) -> str:
        barrier.wait(timeout=10)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


class TestManyThreads:
    def test_50_threads_sharing_one_hook_stop_50_streams_once_each(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, urllib3_log: ListHandler
    ) -> None:
        sids = add_streams(emulator, THREADS)
        hook = make_hook(emulator.url, pool_size=THREADS)
        emulator.latency = 0.02
        conference = emulator.demo_conference_sid

        statuses = run_together(
            lambda i: hook.stop_conference_stream(conference, sids[i])["status"], THREADS
        )

        assert statuses == ["stopped"] * THREADS
        assert stopped(emulator) == dict.fromkeys(sids, 1)
        assert len(emulator.requests) == THREADS
        assert emulator.max_in_flight > 1  # they really overlapped
        assert 1 <= new_connections(urllib3_log) <= THREADS
        assert_no_churn(urllib3_log)

    @pytest.mark.parametrize("pool_size", [4, 10])
    def test_50_threads_with_a_smaller_pool_wait_instead_of_churning(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        urllib3_log: ListHandler,
        pool_size: int,
    ) -> None:
        sids = add_streams(emulator, THREADS)
        hook = make_hook(emulator.url, pool_size=pool_size)
        emulator.latency = 0.01
        conference = emulator.demo_conference_sid

        statuses = run_together(
            lambda i: hook.stop_conference_stream(conference, sids[i])["status"], THREADS
        )

        assert statuses == ["stopped"] * THREADS
        assert stopped(emulator) == dict.fromkeys(sids, 1)
        assert emulator.max_in_flight <= pool_size
        assert new_connections(urllib3_log) <= pool_size
        assert_no_churn(urllib3_log)

    def test_50_hooks_on_50_threads_stop_50_streams_once_each(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, urllib3_log: ListHandler
    ) -> None:
        sids = add_streams(emulator, THREADS)
        make_hook(emulator.url)  # sets the connection
        hooks = [SignalWireHook() for _ in range(THREADS)]
        emulator.latency = 0.02
        conference = emulator.demo_conference_sid

        statuses = run_together(
            lambda i: hooks[i].stop_conference_stream(conference, sids[i])["status"], THREADS
        )

        assert statuses == ["stopped"] * THREADS
        assert stopped(emulator) == dict.fromkeys(sids, 1)
        assert emulator.max_in_flight > 1
        assert new_connections(urllib3_log) == THREADS  # one keep-alive socket per hook
        assert_no_churn(urllib3_log)
        for hook in hooks:
            hook.close()


class TestBulkStop:
    @pytest.mark.parametrize(("max_concurrency", "pool_size"), [(8, 10), (8, 2), (20, 10)])
    def test_never_more_than_max_concurrency_in_flight(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        urllib3_log: ListHandler,
        max_concurrency: int,
        pool_size: int,
    ) -> None:
        sids = add_streams(emulator, THREADS)
        hook = make_hook(emulator.url, pool_size=pool_size)
        emulator.latency = 0.02
        streams = [{"conference_sid": emulator.demo_conference_sid, "stream_sid": s} for s in sids]

        outcomes = hook.stop_conference_streams(streams, max_concurrency=max_concurrency)

        assert [o["status"] for o in outcomes] == ["stopped"] * THREADS
        assert [o["stream_sid"] for o in outcomes] == sids  # in order
        assert stopped(emulator) == dict.fromkeys(sids, 1)
        assert 2 <= emulator.max_in_flight <= max_concurrency
        assert new_connections(urllib3_log) <= max_concurrency
        assert_no_churn(urllib3_log)

    def test_one_failing_stream_does_not_stop_the_others(
        self, make_hook: MakeHook, emulator: SignalWireEmulator
    ) -> None:
        sids = add_streams(emulator, 20)
        hook = make_hook(emulator.url)
        streams = [{"conference_sid": emulator.demo_conference_sid, "stream_sid": s} for s in sids]
        streams.insert(7, {"conference_sid": emulator.demo_conference_sid, "stream_sid": "gone"})

        outcomes = hook.stop_conference_streams(streams, max_concurrency=8)

        assert outcomes[7]["error_type"] == "SignalWireNotFoundError"
        assert [o.get("status") for i, o in enumerate(outcomes) if i != 7] == ["stopped"] * 20
        assert stopped(emulator) == dict.fromkeys(sids, 1)
