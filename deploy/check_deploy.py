"""
``deploy/local check``: run the example DAGs on the live deployment and prove the results.

Everything is observed from outside, as an operator would: Airflow's REST API (DAG runs, task
instances, XComs) and the emulator's admin endpoints (state, request log). Stdlib only.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from typing import Any

from check_events import EVENT_DAG, EventChecks
from check_triggered import ARCHIVE_DAG, NOTIFY_DAG, PARTICIPANTS_DAG, TriggeredChecks
from checker import TERMINAL_RUN, Checker, CheckFailedError
from deployment import (
    AIRFLOW_HOME,
    COMPONENTS,
    LOGS,
    VENV,
    celery_ping,
    component_alive,
    die,
    group_members,
    load_state,
    read_pid,
    run,
    save_state,
    start_airflow_component,
)

STOP_DAG = "signalwire_stop_conference_stream"
LIFECYCLE_DAG = "signalwire_conference_stream_lifecycle"
BULK_DAG = "signalwire_bulk_stop_streams"
#: Every example DAG in dags/: check exercises each one.
DAGS = (STOP_DAG, LIFECYCLE_DAG, BULK_DAG, EVENT_DAG, PARTICIPANTS_DAG, ARCHIVE_DAG, NOTIFY_DAG)
SENSOR_TASK = "wait_for_conference"
BULK_STREAMS = 40


class DeployChecker(Checker):
    """The checks of ``deploy/local check``, in the order ``run`` gives them."""

    # -- steps -------------------------------------------------------------------------------

    def wait_dags(self) -> None:
        def loaded() -> bool:
            got = self.api("GET", "/dags?limit=100&tags=signalwire")
            have = {d["dag_id"] for d in got["dags"]}
            return set(DAGS) <= have

        try:
            self.wait("the example DAGs to be parsed", loaded, 120, 2)
        finally:
            errors = self.api("GET", "/importErrors?limit=100")
            for err in errors.get("import_errors", []):
                self.say(f"import error in {err.get('filename')}: {err.get('stack_trace')}")
        self.ok("example DAGs parsed by the dag-processor", True, ", ".join(DAGS))
        errors = self.api("GET", "/importErrors?limit=100")
        self.ok(
            "no DAG import errors",
            errors.get("total_entries", 0) == 0,
            f"{errors.get('total_entries')} import errors",
        )

    def unpause(self, dag_id: str) -> None:
        got = self.api("PATCH", f"/dags/{dag_id}?update_mask=is_paused", {"is_paused": False})
        if got.get("is_paused"):
            raise CheckFailedError(f"{dag_id} is still paused")

    def start_lifecycle(self) -> dict[str, Any]:
        conference = self.new_conference("init")
        run_id = self.trigger(
            LIFECYCLE_DAG,
            {
                "conference_friendly_name": conference["friendly_name"],
                "ws_url": f"wss://127.0.0.1/deploy-check/{self.tag}",
            },
        )
        self.say(
            f"triggered {LIFECYCLE_DAG} {run_id} for conference "
            f"{conference['friendly_name']} (init)"
        )
        return {"run_id": run_id, "conference": conference}

    def sensor_state(self, run_id: str) -> str | None:
        for ti in self.task_instances(LIFECYCLE_DAG, run_id):
            if ti["task_id"] == SENSOR_TASK:
                return ti["state"]
        return None

    def lifecycle_release(self, lc: dict[str, Any]) -> None:
        run_id = lc["run_id"]
        t = time.monotonic()
        self.wait(
            f"{SENSOR_TASK} to be deferred", lambda: self.sensor_state(run_id) == "deferred", 120, 1
        )
        self.ok(
            "lifecycle: sensor task deferred while the conference is init",
            True,
            f"after {time.monotonic() - t:.1f}s",
        )
        time.sleep(4)  # several poke intervals: it must still be waiting
        st = self.sensor_state(run_id)
        self.ok("lifecycle: sensor still deferred 4 s later", st == "deferred", f"state={st}")
        self.emulator("POST", f"/conferences/{lc['conference']['sid']}", {"Status": "in-progress"})
        self.say("conference moved to in-progress through the emulator admin endpoint")

    def lifecycle_verify(self, lc: dict[str, Any]) -> None:
        run_id = lc["run_id"]
        run = self.wait_run(LIFECYCLE_DAG, run_id, 180)
        self.ok("lifecycle: run succeeded", run["state"] == "success", run["state"])
        csid = lc["conference"]["sid"]
        sensed = self.xcom(LIFECYCLE_DAG, run_id, SENSOR_TASK)
        self.ok(
            "lifecycle: sensor XCom is the conference, in-progress",
            isinstance(sensed, dict)
            and sensed.get("sid") == csid
            and sensed.get("status") == "in-progress",
            str(sensed)[:120],
        )
        stream_sid = self.xcom(LIFECYCLE_DAG, run_id, "start_stream", "stream_sid")
        if isinstance(stream_sid, str):
            self.our_streams[stream_sid] = csid
        status = self.xcom(LIFECYCLE_DAG, run_id, "stop_stream", "stream_status")
        self.ok(
            "lifecycle: stop_stream XCom stream_status == stopped",
            status == "stopped",
            f"stream {stream_sid}: {status}",
        )
        report = self.xcom(LIFECYCLE_DAG, run_id, "report")
        self.ok(
            "lifecycle: report XCom consistent",
            isinstance(report, dict)
            and report.get("stream_sid") == stream_sid
            and report.get("ended_as") == "stopped"
            and report.get("conference_sid") == csid,
            str(report),
        )

    def bulk_trigger(self, label: str) -> dict[str, Any]:
        conference = self.new_conference("in-progress")
        streams = self.new_streams(conference["sid"], BULK_STREAMS)
        run_id = self.trigger(BULK_DAG, {"streams": streams})
        self.say(f"[{label}] triggered {BULK_DAG} {run_id} with {len(streams)} fresh streams")
        return {"run_id": run_id, "streams": streams, "label": label}

    def bulk_verify(self, b: dict[str, Any], timeout: float, need_both: bool) -> None:
        run_id, streams, label = b["run_id"], b["streams"], b["label"]
        run = self.wait_run(BULK_DAG, run_id, timeout)
        self.ok(f"bulk[{label}]: run succeeded", run["state"] == "success", run["state"])
        tis = self.task_instances(BULK_DAG, run_id)
        bad = [
            f"{t['task_id']}[{t['map_index']}]={t['state']}" for t in tis if t["state"] != "success"
        ]
        self.ok(
            f"bulk[{label}]: every task instance succeeded",
            not bad,
            ", ".join(bad) or f"{len(tis)} task instances",
        )
        mapped = [t for t in tis if t["task_id"] == "stop_mapped"]
        half = (len(streams) + 1) // 2
        self.ok(
            f"bulk[{label}]: stop_mapped expanded to one TI per stream of the first half",
            len(mapped) == half,
            f"{len(mapped)} mapped TIs, expected {half}",
        )
        hosts: dict[str, int] = {}
        for t in mapped:
            hosts[t.get("hostname") or "?"] = hosts.get(t.get("hostname") or "?", 0) + 1
        if need_both:
            self.ok(
                f"bulk[{label}]: mapped TIs ran on BOTH Celery workers",
                {"deploy-worker-1", "deploy-worker-2"} <= set(hosts),
                json.dumps(hosts),
            )
        else:
            self.say(f"bulk[{label}]: mapped TIs by host {json.dumps(hosts)}")
        # XComs: each mapped TI pushed stream_status and returned its stream.
        wrong = []
        for t in sorted(mapped, key=lambda t: t["map_index"]):
            i = t["map_index"]
            status = self.xcom(BULK_DAG, run_id, "stop_mapped", "stream_status", i)
            ret = self.xcom(BULK_DAG, run_id, "stop_mapped", "return_value", i)
            want = streams[i]["stream_sid"]
            if status != "stopped" or not isinstance(ret, dict) or ret.get("sid") != want:
                wrong.append(f"[{i}] status={status} sid={(ret or {}).get('sid')} want={want}")
        self.ok(
            f"bulk[{label}]: stop_mapped XComs (stream_status == stopped, right stream)",
            not wrong,
            "; ".join(wrong[:3]) or f"{len(mapped)} checked",
        )
        outcomes = self.xcom(BULK_DAG, run_id, "stop_bulk", "stream_outcomes")
        second = {s["stream_sid"] for s in streams[half:]}
        got = {o.get("stream_sid") for o in outcomes or [] if o.get("status") == "stopped"}
        self.ok(
            f"bulk[{label}]: stop_bulk XCom stream_outcomes has every stream of the second "
            "half stopped",
            got == second and len(outcomes or []) == len(second),
            f"{len(got)}/{len(second)} stopped",
        )
        summary = self.xcom(BULK_DAG, run_id, "summarize")
        self.ok(
            f"bulk[{label}]: summarize XCom counts",
            summary == {"mapped_stopped": half, "bulk_stopped": len(streams) - half},
            str(summary),
        )

    def bulk_with_fault(self) -> None:
        """SIGKILL worker-1 (its whole process group) while mapped tasks run on it; restart it."""
        self.emulator("POST", "/config", {"Latency": "2"})
        try:
            b = self.bulk_trigger("fault")

            def in_flight_on_worker_1() -> list[dict[str, Any]]:
                # A stop_mapped TI running on worker-1 whose stop request the emulator has
                # received and is still answering (2 s latency): kill it mid-request.
                running = [
                    t
                    for t in self.task_instances(BULK_DAG, b["run_id"])
                    if t["task_id"] == "stop_mapped"
                    and t["state"] == "running"
                    and t.get("hostname") == "deploy-worker-1"
                ]
                if not running:
                    return []
                asked = self.stop_requests()
                return [t for t in running if b["streams"][t["map_index"]]["stream_sid"] in asked]

            victims = self.wait(
                "a stop_mapped task on deploy-worker-1 with its request in flight",
                in_flight_on_worker_1,
                120,
                0.2,
            )
            pid = read_pid("worker-1")
            os.killpg(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            names = [f"stop_mapped[{t['map_index']}]" for t in victims]
            self.say(
                f"SIGKILL worker-1 (process group {pid}) while {', '.join(names)} ran on it "
                "with its stop request in flight"
            )
            self.wait("worker-1's processes to be gone", lambda: not group_members(pid), 20, 0.2)
            time.sleep(3)
            start_airflow_component(self.state, "worker-1")
            self.say("worker-1 started again")
            self.wait(
                "worker-1 to answer ping",
                lambda: "celery@deploy-worker-1" in celery_ping(self.state),
                120,
                2,
            )
            self.say(f"worker-1 back {time.monotonic() - killed_at:.1f}s after the kill")
        finally:
            self.emulator("POST", "/config", {"Latency": "0"})
        self.bulk_verify(b, 300, need_both=False)
        self.timings["fault recovery (kill to run success)"] = round(
            time.monotonic() - killed_at, 1
        )
        retried = []
        killed = {v["map_index"] for v in victims}
        for t in self.task_instances(BULK_DAG, b["run_id"]):
            if t["task_id"] == "stop_mapped" and t["map_index"] in killed:
                retried.append((t["map_index"], t["try_number"], t["state"], t.get("hostname")))
        self.ok(
            "fault: the task instances killed with the worker were retried by Airflow and "
            "succeeded",
            all(tn >= 2 and st == "success" for _, tn, st, _h in retried),
            "; ".join(f"[{i}] try {tn} {st} on {h}" for i, tn, st, h in retried),
        )
        asked = self.stop_requests()
        counts = self.emulator("GET", "/state")["stop_counts"]
        seen = []
        for v in victims:
            sid = b["streams"][v["map_index"]]["stream_sid"]
            seen.append((v["map_index"], len(asked.get(sid, [])), counts.get(sid)))
        self.ok(
            "fault: a killed task's stream got its stop again from the retry, and was stopped once",
            all(n >= 2 and c == 1 for _, n, c in seen),
            "; ".join(f"[{i}] {n} stop requests, stop_count {c}" for i, n, c in seen),
        )

    def scheduled_run(self, since: str, timeout: float) -> None:
        def done() -> dict[str, Any] | None:
            runs = self.api("GET", f"/dags/{STOP_DAG}/dagRuns?limit=50&order_by=-run_after")
            for r in runs["dag_runs"]:
                if r["run_type"] == "scheduled" and r["state"] in TERMINAL_RUN:
                    return r
            return None

        run = self.wait(f"a scheduled run of {STOP_DAG}", done, timeout, 3)
        self.ok(
            "scheduled: a run with run_type=scheduled (not triggered by the check) succeeded",
            run["state"] == "success" and run["run_type"] == "scheduled",
            f"{run['dag_run_id']} {run['state']}",
        )
        status = self.xcom(STOP_DAG, run["dag_run_id"], "stop_stream", "stream_status")
        ret = self.xcom(STOP_DAG, run["dag_run_id"], "report_status")
        self.ok(
            "scheduled: stop_stream XCom stream_status == stopped and report_status == stopped",
            status == "stopped" and ret == "stopped",
            f"{status}, {ret}",
        )

    def stop_requests(self) -> dict[str, list[dict[str, Any]]]:
        """Stream SID -> the stop requests the emulator received for it, in arrival order."""
        per_stream: dict[str, list[dict[str, Any]]] = {}
        for r in self.emulator("GET", "/requests"):
            if r["method"] != "POST" or r["form"].get("Status") != ["stopped"]:
                continue
            parts = r["path"].split("/")
            if "Streams" not in parts or parts.index("Streams") + 1 >= len(parts):
                continue
            sid = parts[parts.index("Streams") + 1].removesuffix(".json")
            per_stream.setdefault(sid, []).append(r)
        return per_stream

    def emulator_ledger(self) -> None:
        state = self.emulator("GET", "/state")
        counts = state["stop_counts"]
        streams = {s["sid"]: s for c in state["conferences"] for s in c["streams"] if s}
        running = [
            sid for sid in self.our_streams if streams.get(sid, {}).get("status") != "stopped"
        ]
        self.ok(
            "emulator: no stream the check started is left running",
            not running,
            f"{len(self.our_streams)} streams, running: {running[:3]}",
        )
        wrong = {sid: counts.get(sid) for sid in self.our_streams if counts.get(sid) != 1}
        self.ok(
            "emulator: each stream the check started was stopped exactly once (stop_counts)",
            not wrong,
            f"{len(self.our_streams)} streams; off: {dict(list(wrong.items())[:3])}",
        )
        per_stream = self.stop_requests()
        missing = [sid for sid in self.our_streams if sid not in per_stream]
        self.ok(
            "emulator log: a stop request was received for every stream",
            not missing,
            f"missing {missing[:3]}",
        )
        refused = [
            f"{sid}: auth_ok={r['auth_ok']} fault={r['fault']}"
            for sid in self.our_streams
            for r in per_stream.get(sid, [])
            if not r["auth_ok"] or r["fault"] or r["auth_user"] != self.state["project_id"]
        ]
        self.ok(
            "emulator log: every stop request authenticated as the project, none refused",
            not refused,
            "; ".join(refused[:3]),
        )
        repeats = {
            sid: len(per_stream[sid])
            for sid in self.our_streams
            if len(per_stream.get(sid, [])) > 1
        }
        self.say(
            f"emulator log: {sum(len(per_stream.get(s, [])) for s in self.our_streams)} stop "
            f"requests for {len(self.our_streams)} streams; repeated (answered as already "
            f"stopped, not counted as stops): {repeats or 'none'}"
        )

    def secrets_in_logs(self) -> None:
        token = self.state["signalwire_token"]
        basic = base64.b64encode(f"{self.state['project_id']}:{token}".encode()).decode()
        needles = {
            "token": token.encode(),
            "Basic credentials (base64)": basic.encode(),
            "token (base64)": base64.b64encode(token.encode()).rstrip(b"="),
        }
        roots = [LOGS, AIRFLOW_HOME / "logs"]
        files = [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]
        hits = []
        for path in files:
            data = path.read_bytes()
            hits += [f"{what} in {path}" for what, n in needles.items() if n in data]
        self.ok(
            "the SignalWire token (plain, base64, Basic value) appears in no log file",
            not hits,
            f"{len(files)} files scanned" if not hits else "; ".join(hits[:5]),
        )
        task_logs = [p for p in files if AIRFLOW_HOME / "logs" in p.parents]
        self.ok(
            "task logs were written (the scan covered them)",
            len(task_logs) > 0,
            f"{len(task_logs)} files under AIRFLOW_HOME/logs",
        )

    def loopback_only(self) -> None:
        code = (
            "import json, psutil\n"
            "print(json.dumps([[c.pid, c.laddr.ip, c.laddr.port] for c in "
            "psutil.net_connections('inet') if c.status == 'LISTEN' and c.pid]))"
        )
        out = run([str(VENV / "bin" / "python"), "-c", code], capture=True)
        listening = json.loads(out.stdout.strip().splitlines()[-1])
        groups = {read_pid(n) for n in COMPONENTS} - {None}
        mine = []
        for pid, ip, port in listening:
            try:
                pgid = os.getpgid(pid)
            except ProcessLookupError:
                continue
            if pgid in groups or pid in groups:
                mine.append((ip, port))
        exposed = [f"{ip}:{port}" for ip, port in mine if not ip.startswith("127.")]
        self.ok(
            "every port the deployment listens on is on loopback",
            not exposed and mine,
            ", ".join(sorted({f"{ip}:{p}" for ip, p in mine}))
            if not exposed
            else f"exposed: {exposed}",
        )

    # -- main --------------------------------------------------------------------------------

    def run(self) -> bool:
        t0 = time.monotonic()
        down = [n for n in COMPONENTS if not component_alive(n)]
        if down:
            die(f"not running: {down}; run `deploy/local up` first")
        try:
            self.timed("DAGs parsed", self.wait_dags)
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for dag_id in DAGS:
                self.unpause(dag_id)
            self.say(f"unpaused {', '.join(DAGS)}")
            lc = self.start_lifecycle()
            clean = self.bulk_trigger("clean")
            self.timed("lifecycle: deferred + released", self.lifecycle_release, lc)
            self.timed("bulk clean run", self.bulk_verify, clean, 300, True)
            self.timed("lifecycle run", self.lifecycle_verify, lc)
            if not self.args.no_fault:
                self.timed("bulk run with worker SIGKILL", self.bulk_with_fault)
            events = EventChecks(self)
            self.timed("events: 3 conferences end, 3 runs", events.three_ends_three_runs)
            if not self.args.no_fault:
                self.timed(
                    "events: ended while the triggerer was killed",
                    events.ended_while_triggerer_down,
                )
            events.no_duplicates_overall()
            triggered = TriggeredChecks(self)
            self.timed("participants run", triggered.participants)
            self.timed("archive run", triggered.archive)
            self.timed("notifier run and texts", triggered.notifier)
            self.timed("scheduled run", self.scheduled_run, since, 180)
            self.timed("emulator ledger", self.emulator_ledger)
            self.timed("secret scan", self.secrets_in_logs)
            self.loopback_only()
        except CheckFailedError as exc:
            self.ok("check completed", False, str(exc))
        total = round(time.monotonic() - t0, 1)
        failed = [name for name, good, _ in self.results if not good]
        passed = len(self.results) - len(failed)
        self.say(f"timings: {json.dumps(self.timings)}")
        self.say(f"check took {total}s")
        state = load_state()
        state["check_timings"] = {**self.timings, "total": total}
        save_state(state)
        print(f"{passed} passed, {len(failed)} failed", flush=True)
        for name in failed:
            print(f"FAILED: {name}", flush=True)
        return not failed


def run_check(args: Any) -> None:
    ok = DeployChecker(args).run()
    raise SystemExit(0 if ok else 1)
