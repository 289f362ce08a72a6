"""
``deploy/local check``, event-driven part: conferences that end become DAG runs (issue 14).

The example DAG ``signalwire_conference_ended`` is scheduled by an Asset watched by
``ConferenceEventTrigger`` in the triggerer. Proved from outside, as an operator would see it:

* ending 3 conferences in the emulator gives exactly 3 runs of that DAG, one per conference;
* a conference ended while the triggerer was killed gives exactly one run once it is back
  (Airflow 3.3: the trigger keeps its watermark in the asset state store).

Stdlib only.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from deployment import EVENT_POLL_INTERVAL, group_members, read_pid, start_airflow_component

if TYPE_CHECKING:
    from checker import Checker

EVENT_DAG = "signalwire_conference_ended"
#: The trigger's poll interval in this deployment (``SIGNALWIRE_EVENT_POLL_INTERVAL``).
POLL_INTERVAL = float(EVENT_POLL_INTERVAL)


class EventChecks:
    """
    The two event-driven checks, on top of the checker's plumbing.

    :param checker: the running :class:`checker.Checker` (REST API, emulator, results).
    """

    def __init__(self, checker: Checker) -> None:
        self.c = checker
        self.ours: list[str] = []

    # -- observations -------------------------------------------------------------------------

    def runs_by_conference(self) -> dict[str, list[str]]:
        """Conference SID -> the runs of the event DAG whose triggering events ended it."""
        got = self.c.api("GET", f"/dags/{EVENT_DAG}/dagRuns?limit=200")
        per_sid: dict[str, list[str]] = {}
        for run in got["dag_runs"]:
            if run["state"] != "success":
                continue
            ended = self.c.xcom(EVENT_DAG, run["dag_run_id"], "ended_conferences") or []
            for conference in ended:
                per_sid.setdefault(conference.get("sid"), []).append(run["dag_run_id"])
        return per_sid

    def listed_since(self, since: float) -> bool:
        """Whether the trigger listed the account's conferences after ``since`` (monotonic)."""
        for r in self.c.emulator("GET", "/requests"):
            if (
                r["method"] == "GET"
                and r["path"].rstrip("/").endswith(("/Conferences", "/Conferences.json"))
                and "DateUpdated>" in r["query"]
                and r["time"] > since
            ):
                return True
        return False

    def wait_for_a_poll(self, what: str) -> None:
        since = self.emulator_now()
        self.c.wait(f"the event trigger to poll ({what})", lambda: self.listed_since(since), 120, 1)

    def emulator_now(self) -> float:
        # The emulator stamps requests with time.monotonic(), which is system-wide on Linux.
        return time.monotonic()

    def wait_for_run(self, sid: str, timeout: float) -> list[str]:
        return self.c.wait(
            f"a successful {EVENT_DAG} run for conference {sid}",
            lambda: self.runs_by_conference().get(sid),
            timeout,
            2,
        )

    def end(self, sid: str) -> None:
        self.c.emulator("POST", f"/conferences/{urllib.parse.quote(sid)}", {"Status": "completed"})

    # -- checks -------------------------------------------------------------------------------

    def three_ends_three_runs(self) -> None:
        self.wait_for_a_poll("the watcher is running")
        started = []
        for _ in range(3):
            conference = self.c.new_conference("in-progress")
            started.append(conference["sid"])
        self.ours += started
        self.wait_for_a_poll("it has seen the new conferences")
        for sid in started:
            t = time.monotonic()
            self.end(sid)
            self.wait_for_run(sid, 120)
            self.c.say(
                f"conference {sid} ended: its run succeeded {time.monotonic() - t:.1f}s later"
            )
        time.sleep(2 * POLL_INTERVAL + 5)  # time for a duplicate to show up, if there were one
        per_sid = self.runs_by_conference()
        runs = {run for sid in started for run in per_sid.get(sid, [])}
        self.c.ok(
            "events: ending 3 conferences gave exactly 3 runs of the asset-scheduled DAG, "
            "one per conference",
            len(runs) == 3 and all(len(per_sid.get(sid, [])) == 1 for sid in started),
            f"runs per conference: {[len(per_sid.get(sid, [])) for sid in started]}",
        )
        recordings = [self.c.xcom(EVENT_DAG, run, "list_recordings") for run in sorted(runs)]
        self.c.ok(
            "events: each run listed its conference's recordings",
            all(isinstance(r, list) and len(r) == 1 for r in recordings),
            str(recordings)[:200],
        )

    def ended_while_triggerer_down(self) -> None:
        conference = self.c.new_conference("in-progress")
        sid = conference["sid"]
        self.ours.append(sid)
        self.wait_for_a_poll("it has seen the conference in progress")
        time.sleep(1)  # the watermark is written right after the poll's events
        pid = read_pid("triggerer")
        os.killpg(pid, signal.SIGKILL)
        self.c.wait("the triggerer's processes to be gone", lambda: not group_members(pid), 20, 0.2)
        self.c.say(f"SIGKILL triggerer (process group {pid})")
        self.end(sid)
        self.c.say(f"conference {sid} ended while no triggerer ran")
        time.sleep(2)
        start_airflow_component(self.c.state, "triggerer")
        t = time.monotonic()
        self.c.say("triggerer started again")
        self.wait_for_run(sid, 240)
        self.c.say(f"its run succeeded {time.monotonic() - t:.1f}s after the restart")
        time.sleep(2 * POLL_INTERVAL + 5)
        runs = self.runs_by_conference().get(sid, [])
        self.c.ok(
            "events: a conference ended while the triggerer was killed gave exactly one run "
            "after the restart",
            len(runs) == 1,
            f"{len(runs)} runs: {runs}",
        )

    def no_duplicates_overall(self) -> None:
        per_sid = self.runs_by_conference()
        repeated: dict[str, Any] = {
            s: r for s, r in per_sid.items() if s in self.ours and len(r) > 1
        }
        self.c.ok(
            "events: no conference the check ended scheduled more than one run",
            not repeated,
            str(repeated)[:200],
        )
