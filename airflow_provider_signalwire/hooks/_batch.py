"""
The work of one batch on a thread pool, so that an interruption leaves none of it running.

``ThreadPoolExecutor.shutdown(wait=True)`` joins the threads the pool knows. An interruption
(Airflow's ``execution_timeout``, a kill) raised in the task's thread while ``submit()`` starts a
new thread lands before the pool records that thread, which then runs its first item unjoined.
The bulk stop and the recording archive count their items in flight with :class:`BatchInFlight`:
when interrupted, they close it (no item begins afterwards), shut the pool down, then wait for
the items still running, including one on a thread the pool does not know of.
"""

from __future__ import annotations

import threading


class BatchInFlight:
    """The items of one batch that are running, and whether another may still begin."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open = True
        self._running = 0

    def begin(self) -> bool:
        """Count one more item running; ``False`` (nothing counted) once the batch is closed."""
        with self._changed:
            if self._open:
                self._running += 1
            return self._open

    def end(self) -> None:
        """Count one item fewer (after a :meth:`begin` that returned ``True``)."""
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def close(self) -> None:
        """Let no item begin any more."""
        with self._changed:
            self._open = False

    def wait(self) -> None:
        """Wait until no item is running."""
        with self._changed:
            self._changed.wait_for(lambda: self._running == 0)
