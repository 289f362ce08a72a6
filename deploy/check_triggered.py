"""
``deploy/local check``'s proofs for the example DAGs that run when triggered.

Participants, the recordings archive and the failure notifier have no schedule here (or one too
slow to wait for): each is triggered through the REST API and proven from Airflow's records and
the emulator's. Stdlib only.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from typing import Any

from checker import Checker, CheckFailedError
from deployment import ONCALL_NUMBERS, RUN, SENDER_NUMBER

PARTICIPANTS_DAG = "signalwire_manage_conference_participants"
ARCHIVE_DAG = "signalwire_archive_conference_recordings"
NOTIFY_DAG = "signalwire_notify_on_failure"
RECORDING_SIZE = 200_000


class TriggeredChecks:
    """
    The on-demand example DAGs, on top of the checker's plumbing.

    :param checker: the running :class:`checker.Checker` (REST API, emulator, results).
    """

    def __init__(self, checker: Checker) -> None:
        self.c = checker

    def participants(self) -> None:
        conference = self.c.new_conference("in-progress")
        sid = conference["sid"]
        held, removed = (
            p["call_sid"]
            for p in self.c.emulator(
                "POST", f"/conferences/{urllib.parse.quote(sid)}/participants", {"Count": 2}
            )["participants"]
        )
        conf = {"conference_sid": sid, "hold_call_sid": held, "remove_call_sid": removed}
        run_id = self.c.trigger(PARTICIPANTS_DAG, conf)
        self.c.say(f"triggered {PARTICIPANTS_DAG} {run_id} for conference {sid}")
        run = self.c.wait_run(PARTICIPANTS_DAG, run_id, 180)
        self.c.ok("participants: run succeeded", run["state"] == "success", run["state"])
        report = self.c.xcom(PARTICIPANTS_DAG, run_id, "report")
        self.c.ok(
            "participants: report XCom says held, removed and completed",
            report
            == [f"{held}: muted=True hold=True", f"{removed}: removed", "conference: completed"],
            str(report),
        )
        [state] = [c for c in self.c.emulator("GET", "/state")["conferences"] if c["sid"] == sid]
        writes = sorted(
            (r["method"], r["path"].split(sid, 1)[1], r["form"])
            for r in self.c.emulator("GET", "/requests")
            if sid in r["path"] and r["method"] != "GET"
        )
        self.c.ok(
            "participants: the emulator got one hold, one removal and one end, and holds the "
            "conference completed with nobody left",
            writes
            == [
                ("DELETE", f"/Participants/{removed}", {}),
                ("POST", "", {"Status": ["completed"]}),
                ("POST", f"/Participants/{held}", {"Hold": ["true"], "Muted": ["true"]}),
            ]
            and state["status"] == "completed"
            and not state["participants"],
            f"status={state['status']}, writes={writes}",
        )

    def archive(self) -> None:
        conference = self.c.new_conference("completed")
        sid = conference["sid"]
        recordings = self.c.emulator(
            "POST",
            f"/conferences/{urllib.parse.quote(sid)}/recordings",
            {"Count": 2, "Status": "completed", "Size": RECORDING_SIZE},
        )["recordings"]
        folder = RUN / "check-recordings" / self.c.tag
        conf = {"conference_sid": sid, "destination": folder.as_uri()}
        run_id = self.c.trigger(ARCHIVE_DAG, conf)
        self.c.say(f"triggered {ARCHIVE_DAG} {run_id}: {len(recordings)} recordings to {folder}")
        run = self.c.wait_run(ARCHIVE_DAG, run_id, 180)
        self.c.ok("archive: run succeeded", run["state"] == "success", run["state"])
        archived = self.c.xcom(ARCHIVE_DAG, run_id, "archive_recordings", "archived") or []
        wanted = {r["sid"] for r in recordings}
        got = {a["recording_sid"]: a for a in archived}
        files = {r: folder / sid / f"{r}.wav" for r in wanted}
        exact = all(
            files[r].is_file()
            and files[r].stat().st_size == RECORDING_SIZE
            and got.get(r, {}).get("sha256") == hashlib.sha256(files[r].read_bytes()).hexdigest()
            and got[r]["bytes"] == RECORDING_SIZE
            and not got[r]["skipped"]
            for r in wanted
        )
        self.c.ok(
            "archive: every recording is on disk with its size and the SHA-256 the archived "
            "XCom reports",
            set(got) == wanted and exact,
            f"{len(archived)} archived entries, files: "
            f"{sorted(p.name for p in folder.rglob('*.wav')) if folder.exists() else 'none'}",
        )
        report = self.c.xcom(ARCHIVE_DAG, run_id, "report")
        self.c.ok(
            "archive: report XCom counts 2 downloaded, 0 skipped",
            report == {"downloaded": 2, "skipped": 0, "bytes": 2 * RECORDING_SIZE},
            str(report),
        )

    def notifier(self) -> None:
        before = len(self.c.emulator("GET", "/state")["messages"])
        run_id = self.c.trigger(NOTIFY_DAG, {"simulate_failure": True})
        self.c.say(f"triggered {NOTIFY_DAG} {run_id} (fails on purpose)")
        run = self.c.wait_run(NOTIFY_DAG, run_id, 180)
        self.c.ok("notifier: the run failed, as it should", run["state"] == "failed", run["state"])

        def messages() -> list[dict[str, Any]]:
            sent = self.c.emulator("GET", "/state")["messages"][before:]
            ours = [m for m in sent if run_id in m["body"]]
            return ours if len(ours) >= 2 * len(ONCALL_NUMBERS) else []

        t = time.monotonic()
        try:
            sent = self.c.wait("the failure texts", messages, 120, 2)
        except CheckFailedError:  # reported below, as a failed check
            sent = self.c.emulator("GET", "/state")["messages"][before:]
        self.c.say(f"notifier: {len(sent)} texts, the last {time.monotonic() - t:.1f}s after")
        task_texts = sorted(m["to"] for m in sent if "/nightly_export failed" in m["body"])
        dag_texts = sorted(
            m["to"] for m in sent if m["body"].startswith(f"DAG {NOTIFY_DAG} failed")
        )
        self.c.ok(
            "notifier: each on-call number got one text for the failed task and one for the "
            "failed run, from the connection's Default From number",
            task_texts == dag_texts == sorted(ONCALL_NUMBERS)
            and all(m["from"] == SENDER_NUMBER for m in sent),
            f"task: {task_texts}, run: {dag_texts}",
        )
