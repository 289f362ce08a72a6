"""
mutmut's command line, with its wall-clock timeout aimed only at the process it was set for.

mutmut 3.8 registers each mutant worker's process id with a wall-clock deadline, and when the
deadline passes it sends ``SIGXCPU`` to that id, even if the worker ended long before: it never
cancels a deadline. Linux hands process ids out again (32,768 by default, threads included),
so a stale deadline killed whatever process had the id by then: another mutant's worker (a
mutant counted as killed that no test caught) or a process outside the run (a test run, a CI
leg; both seen here). This wrapper keeps each deadline with the process' start time (field 22
of ``/proc/<pid>/stat``) and signals the id only if the same process still holds it.

Usage: ``python scripts/mutmut_run.py run ...``, as ``mutmut run ...`` (``scripts/mutation``
calls it).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import signal
import sys
import threading
import time

_deadlines: list[tuple[float, int, str | None]] = []  # (when, pid, the process' start time)
_lock = threading.Condition()
_checker: threading.Thread | None = None


def process_start(pid: int) -> str | None:
    """Return the start time of process ``pid`` (clock ticks since boot), or ``None`` if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name (field 2) may hold spaces and parentheses: split after its end.
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19]  # field 22; the split starts at field 3


def register_timeout(pid: int, timeout_s: float) -> None:
    """
    Send ``SIGXCPU`` to ``pid`` after ``timeout_s`` seconds, if it is still the same process.

    :param pid: the worker's process id.
    :param timeout_s: its wall-clock allowance.
    """
    global _checker
    with _lock:
        if _checker is None:
            _checker = threading.Thread(target=_check, name="mutmut-timeouts", daemon=True)
            _checker.start()
        heapq.heappush(_deadlines, (time.time() + timeout_s, pid, process_start(pid)))
        _lock.notify()


def _check() -> None:
    with _lock:
        while True:
            while not _deadlines:
                _lock.wait()
            now = time.time()
            while _deadlines and _deadlines[0][0] <= now:
                _, pid, started = heapq.heappop(_deadlines)
                if started is not None and process_start(pid) == started:
                    with contextlib.suppress(ProcessLookupError):  # ended since the check
                        os.kill(pid, signal.SIGXCPU)
            if _deadlines:
                _lock.wait(timeout=max(0.0, _deadlines[0][0] - now))


def main() -> int:
    """Run mutmut's command line with :func:`register_timeout` in place of its own."""
    from mutmut.__main__ import cli
    from mutmut.workers import isolation
    from mutmut.workers import timeout as mutmut_timeout

    mutmut_timeout.register_timeout = register_timeout
    isolation.register_timeout = register_timeout  # type: ignore[attr-defined]
    return int(cli() or 0)


if __name__ == "__main__":
    sys.exit(main())
