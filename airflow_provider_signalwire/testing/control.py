"""
Everything an emulator holds besides its HTTP server, and the operations that control it.

The Python API (:class:`~.emulator.SignalWireEmulator`) and the ``/_emulator`` endpoints
(:mod:`.admin`) are two faces of this one remote control.
"""

from __future__ import annotations

import contextlib
import math
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.faults import FaultQueue
from airflow_provider_signalwire.testing.recorded import RequestLog
from airflow_provider_signalwire.testing.store import Store

if TYPE_CHECKING:
    from collections.abc import Iterator


class EmulatorControl:
    """
    The state, faults, request log, settings and load counters of one emulator.

    :param project_id: the project ID (Basic auth user and AccountSid).
    :param token: the API token (Basic auth password).
    :param seed: selects the deterministic seeded SIDs.
    :param repeat_stop_status: 200 or 404, the answer to stopping a stopped stream.
    :param latency: seconds added before every API answer.
    """

    def __init__(
        self, project_id: str, token: str, seed: int, repeat_stop_status: int, latency: float
    ) -> None:
        if not project_id or not token:
            raise ValueError("project_id and token must not be empty")
        self.project_id = project_id
        self.token = token
        self.seed = seed
        self.store = Store(project_id, seed)
        self.faults = FaultQueue()
        self.log = RequestLog()
        self._repeat_stop_status = 200
        self._latency = 0.0
        self.repeat_stop_status = repeat_stop_status
        self.latency = latency
        self._counter_lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._timers: list[threading.Timer] = []

    @property
    def repeat_stop_status(self) -> int:
        """The answer to stopping an already stopped stream: 200 or 404."""
        return self._repeat_stop_status

    @repeat_stop_status.setter
    def repeat_stop_status(self, value: int) -> None:
        if value not in (200, 404):
            raise ValueError(f"repeat_stop_status must be 200 or 404, got {value!r}")
        self._repeat_stop_status = value

    @property
    def latency(self) -> float:
        """Seconds slept before answering each API request."""
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"latency must not be negative, got {value!r}")
        self._latency = float(value)

    @property
    def clock_offset(self) -> float:
        """Seconds the server's clock is ahead of the real one (behind when negative)."""
        return self.store.space.clock_offset.total_seconds()

    @clock_offset.setter
    def clock_offset(self, value: float) -> None:
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"clock_offset must be a finite number of seconds, got {value!r}")
        self.store.space.clock_offset = timedelta(seconds=value)

    def state(self) -> dict[str, Any]:
        """Everything held, the stop counts and the settings (never the token)."""
        state = self.store.snapshot()
        state.update(
            project_id=self.project_id,
            repeat_stop_status=self.repeat_stop_status,
            latency=self.latency,
            clock_offset=self.clock_offset,
        )
        return state

    def reset(self) -> None:
        """
        Go back to the freshly seeded state: no recorded requests, faults or timers.

        The settings (the clock offset too) are kept.
        """
        self.cancel_timers()
        self.faults.clear()
        self.store = Store(self.project_id, self.seed, self.store.space.clock_offset)
        self.log.clear()
        self.reset_max_in_flight()

    def reset_max_in_flight(self) -> None:
        """Restart the concurrency high-water mark from the current load."""
        with self._counter_lock:
            self.max_in_flight = self._in_flight

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        """Count one API request in flight for as long as the block runs."""
        with self._counter_lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._counter_lock:
                self._in_flight -= 1

    def schedule_conference_status(self, sid: str, status: str, after: float) -> None:
        """
        Change a conference's status ``after`` seconds from now.

        :param sid: the conference SID (must exist now).
        :param status: the status to set.
        :param after: delay in seconds.
        """
        self.store.conferences.get(sid)
        timer = threading.Timer(after, self.store.conferences.set_status, (sid, status))
        timer.daemon = True
        with self._counter_lock:
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def cancel_timers(self) -> None:
        """Cancel every pending scheduled status change."""
        with self._counter_lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
