"""scripts/mutmut_run.py: a mutant's wall-clock timeout signals its own process, never another."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from signalwire_test_support import REPO

if TYPE_CHECKING:
    import pytest

spec = importlib.util.spec_from_file_location("mutmut_run", REPO / "scripts" / "mutmut_run.py")
assert spec is not None and spec.loader is not None
mutmut_run: Any = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutmut_run)


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


def ended_within(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def test_the_process_still_running_past_its_deadline_gets_sigxcpu() -> None:
    process = sleeper()
    try:
        mutmut_run.register_timeout(process.pid, 0.1)
        assert ended_within(process, 10) == -signal.SIGXCPU
    finally:
        process.kill()
        process.wait()


def test_another_process_with_the_same_id_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The id came round again: the process holding it now started at another time."""
    process, witness = sleeper(), sleeper()
    try:
        real = mutmut_run.process_start
        monkeypatch.setattr(mutmut_run, "process_start", lambda pid: "earlier")
        mutmut_run.register_timeout(process.pid, 0.1)  # as if for the id's previous holder
        monkeypatch.setattr(mutmut_run, "process_start", real)
        mutmut_run.register_timeout(witness.pid, 0.3)  # handled after the first deadline
        assert ended_within(witness, 10) == -signal.SIGXCPU
        assert process.poll() is None
    finally:
        for p in (process, witness):
            p.kill()
            p.wait()
