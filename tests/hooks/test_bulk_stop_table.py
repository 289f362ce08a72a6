"""
Stopping many streams at once: the pool it uses, each stream's outcome, and an interrupted batch.

``SignalWireHook.stop_conference_streams`` runs one ``stop_conference_stream`` per entry on a
thread pool. These tests replace that one-stream call on the hook (the HTTP of a single stop is
tested everywhere else) so each outcome and each interruption is exact and needs no timing.
"""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import TOKEN, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks import signalwire as signalwire_module
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Callable

CONF = "CF-bulk"
STREAMS = [{"conference_sid": CONF, "stream_sid": f"ST{n}"} for n in range(1, 4)]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> SignalWireHook:
    # Nothing listens on port 9: a stop that reached the network would fail, not pass.
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json("http://127.0.0.1:9"))
    return SignalWireHook(max_attempts=1)


def stopping_with(
    hook: SignalWireHook, stop: Callable[[str, str], dict[str, Any]]
) -> list[tuple[str, str, str | None]]:
    """Make ``stop`` the hook's one-stream stop; return the calls it gets."""
    calls: list[tuple[str, str, str | None]] = []

    def stop_conference_stream(
        conference_sid: str, stream_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        calls.append((conference_sid, stream_sid, account_sid))
        return stop(conference_sid, stream_sid)

    hook.stop_conference_stream = stop_conference_stream  # type: ignore[method-assign]
    return calls


class RecordingPool(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` that keeps how it was built and shut down."""

    built: list[dict[str, Any]] = []
    shutdowns: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        RecordingPool.built.append(kwargs)
        super().__init__(**kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        RecordingPool.shutdowns.append({"wait": wait, "cancel_futures": cancel_futures})
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> type[RecordingPool]:
    RecordingPool.built, RecordingPool.shutdowns = [], []
    monkeypatch.setattr(signalwire_module, "ThreadPoolExecutor", RecordingPool)
    return RecordingPool


class TestThePool:
    @pytest.mark.parametrize(("given", "workers"), [(None, 4), (1, 1), (7, 7), (64, 64)])
    def test_at_most_max_concurrency_threads_four_by_default(
        self, hook: SignalWireHook, pools: type[RecordingPool], given: int | None, workers: int
    ) -> None:
        stopping_with(hook, lambda c, s: {"sid": s, "status": "stopped"})
        kwargs = {} if given is None else {"max_concurrency": given}
        hook.stop_conference_streams(STREAMS, **kwargs)
        # Named threads, so a thread dump of a stuck task says what they are.
        assert pools.built == [{"max_workers": workers, "thread_name_prefix": "signalwire-stop"}]
        assert pools.shutdowns == [{"wait": True, "cancel_futures": True}]
        assert hook.pool_size >= workers  # one HTTP connection per thread, at least

    def test_each_stream_is_stopped_on_a_named_pool_thread(self, hook: SignalWireHook) -> None:
        names: list[str] = []

        def stop(conference_sid: str, stream_sid: str) -> dict[str, Any]:
            names.append(threading.current_thread().name)
            return {"sid": stream_sid, "status": "stopped"}

        stopping_with(hook, stop)
        hook.stop_conference_streams(STREAMS, max_concurrency=1)
        assert names == ["signalwire-stop_0"] * 3

    @pytest.mark.parametrize("account", [None, "AC-sub"])
    def test_every_stream_is_stopped_on_the_account_asked_for(
        self, hook: SignalWireHook, account: str | None
    ) -> None:
        calls = stopping_with(hook, lambda c, s: {"sid": s, "status": "stopped"})
        outcomes = hook.stop_conference_streams(STREAMS, max_concurrency=1, account_sid=account)
        expected_account = account or hook.settings.project_id
        assert calls == [(CONF, f"ST{n}", expected_account) for n in (1, 2, 3)]
        assert outcomes == [
            {"conference_sid": CONF, "stream_sid": f"ST{n}", "status": "stopped"} for n in (1, 2, 3)
        ]

    @pytest.mark.parametrize("account", ["", "AC/../x", "AC 1"])
    def test_a_bad_account_is_refused_by_name_before_any_stop(
        self, hook: SignalWireHook, account: str
    ) -> None:
        calls = stopping_with(hook, lambda c, s: {"sid": s, "status": "stopped"})
        with pytest.raises(SignalWireValidationError) as refused:
            hook.stop_conference_streams(STREAMS, account_sid=account)
        assert str(refused.value).startswith(f"Invalid account_sid {account!r}")
        assert calls == []


class TestEachStreamsOutcome:
    def test_a_signalwire_error_is_its_message_scrubbed_of_the_token(
        self, hook: SignalWireHook
    ) -> None:
        def stop(conference_sid: str, stream_sid: str) -> dict[str, Any]:
            if stream_sid == "ST2":
                raise SignalWireNotFoundError(
                    f"Stream {stream_sid} not found (server said {TOKEN})"
                )
            return {"sid": stream_sid, "status": "stopped"}

        stopping_with(hook, stop)
        outcomes = hook.stop_conference_streams(STREAMS, max_concurrency=2)
        assert outcomes[1] == {
            "conference_sid": CONF,
            "stream_sid": "ST2",
            "error": "Stream ST2 not found (server said ***)",
            "error_type": "SignalWireNotFoundError",
        }
        assert [o.get("status") for o in outcomes] == ["stopped", None, "stopped"]

    @pytest.mark.parametrize("length", [10, 480, 2_000])
    def test_any_other_error_is_named_by_type_scrubbed_and_cut_at_500_characters(
        self, hook: SignalWireHook, length: int
    ) -> None:
        text = f"{TOKEN} " + "x" * length

        def stop(conference_sid: str, stream_sid: str) -> dict[str, Any]:
            raise KeyError(text) if stream_sid == "ST3" else RuntimeError(text)

        stopping_with(hook, stop)
        outcomes = hook.stop_conference_streams(STREAMS, max_concurrency=3)
        for outcome, kind in zip(
            outcomes, ["RuntimeError", "RuntimeError", "KeyError"], strict=True
        ):
            shown = f"{kind}: {text!r}" if kind == "KeyError" else f"{kind}: {text}"
            assert outcome["error"] == shown[:500].replace(TOKEN, "***")
            assert outcome["error_type"] == kind
            assert "status" not in outcome


class TaskInterruptedError(Exception):
    """Stands for Airflow's task timeout, raised in the task's thread by a signal."""


class TestAnInterruptedBatch:
    def test_aborts_starts_nothing_new_and_returns_only_after_the_stop_in_flight(
        self, hook: SignalWireHook, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        main = threading.get_ident()
        finished = threading.Event()
        aborted: list[str] = []

        def interrupt(signum: int, frame: object) -> None:
            raise TaskInterruptedError

        previous = signal.signal(signal.SIGUSR1, interrupt)

        def stop(conference_sid: str, stream_sid: str) -> dict[str, Any]:
            # The first stop interrupts the task's thread, then keeps its request in flight
            # for a while: the batch must wait for it, and start no other stop meanwhile.
            signal.pthread_kill(main, signal.SIGUSR1)
            threading.Event().wait(1.0)
            finished.set()
            return {"sid": stream_sid, "status": "stopped"}

        calls = stopping_with(hook, stop)
        monkeypatch.setattr(hook, "abort", lambda: aborted.append("abort"))
        try:
            with pytest.raises(TaskInterruptedError):
                hook.stop_conference_streams(STREAMS, max_concurrency=1)
            assert finished.is_set()  # no thread of the batch outlives the call
        finally:
            signal.signal(signal.SIGUSR1, previous)
        assert aborted == ["abort"]
        assert calls == [(CONF, "ST1", hook.settings.project_id)]  # ST2 and ST3 never started
