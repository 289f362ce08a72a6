"""``BatchInFlight``: which items may begin, and waiting for the ones running, against a model."""

from __future__ import annotations

import threading

from hypothesis import settings, stateful
from hypothesis import strategies as st

from airflow_provider_signalwire.hooks._batch import BatchInFlight


class BatchModel(stateful.RuleBasedStateMachine):
    """Begin, end, close in any order: the batch agrees with a count and an open flag."""

    def __init__(self) -> None:
        super().__init__()
        self.batch = BatchInFlight()
        self.open = True
        self.running = 0

    @stateful.rule()
    def begin(self) -> None:
        began = self.batch.begin()
        assert began is self.open
        self.running += began

    @stateful.precondition(lambda self: self.running > 0)
    @stateful.rule()
    def end(self) -> None:
        self.batch.end()
        self.running -= 1

    @stateful.rule()
    def close(self) -> None:
        self.batch.close()
        self.open = False

    @stateful.rule(waiters=st.integers(min_value=1, max_value=3))
    def wait_returns_once_the_running_end(self, waiters: int) -> None:
        returned = threading.Semaphore(0)
        threads = [
            threading.Thread(target=lambda: (self.batch.wait(), returned.release()))
            for _ in range(waiters)
        ]
        for thread in threads:
            thread.start()
        while self.running:
            # Nothing returns while one item still runs; each end wakes the waiters to check.
            assert not returned.acquire(timeout=0.01)
            self.batch.end()
            self.running -= 1
        for thread in threads:
            thread.join(10)
            assert not thread.is_alive()
        assert all(returned.acquire(timeout=0) for _ in range(waiters))


TestBatchModel = BatchModel.TestCase
TestBatchModel.settings = settings(max_examples=50, stateful_step_count=20, deadline=None)
