"""
What every check of ``deploy/local check`` stands on: REST API and emulator calls, waiting, results.

``check_deploy.py``, ``check_events.py`` and ``check_triggered.py`` all build on it; it imports
none of them. Stdlib only.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
from typing import Any

from deployment import API, die, load_state, say
from rest import http

TERMINAL_RUN = ("success", "failed")


class CheckFailedError(Exception):
    """A check did not hold."""


class Checker:
    """
    The plumbing of the checks: REST API and emulator calls, waits, results and timings.

    :param args: the parsed ``deploy/local check`` arguments.
    """

    def __init__(self, args: Any) -> None:
        self.args = args
        self.state = load_state()
        if not self.state.get("emulator"):
            die("no deployment state: run `deploy/local up` first")
        self.emu = self.state["emulator"]["url"]
        self.tag = secrets.token_hex(3)
        self.results: list[tuple[str, bool, str]] = []
        self.timings: dict[str, float] = {}
        self.our_streams: dict[str, str] = {}  # stream sid -> conference sid

    # -- plumbing ----------------------------------------------------------------------------

    def say(self, msg: str) -> None:
        say(msg)

    def ok(self, name: str, cond: bool, detail: str = "") -> None:
        self.results.append((name, bool(cond), detail))
        mark = "PASS" if cond else "FAIL"
        self.say(f"{mark} {name}" + (f" ({detail})" if detail else ""))

    def api(
        self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200,)
    ) -> Any:
        status, payload = http(method, f"{API}/api/v2{path}", body=body)
        if status not in expect:
            raise CheckFailedError(f"{method} /api/v2{path} answered {status}: {payload}")
        return payload

    def emulator(self, method: str, path: str, form: dict[str, Any] | None = None) -> Any:
        status, payload = http(method, f"{self.emu}/_emulator{path}", form=form)
        if status >= 300:
            raise CheckFailedError(f"{method} /_emulator{path} answered {status}: {payload}")
        return payload

    def wait(self, what: str, probe: Any, timeout: float, interval: float = 1.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise CheckFailedError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(interval)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        rid = urllib.parse.quote(run_id, safe="")
        got = self.api("GET", f"/dags/{dag_id}/dagRuns/{rid}/taskInstances?limit=500")
        return got["task_instances"]

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        rid = urllib.parse.quote(run_id, safe="")
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{rid}")

    def xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1
    ) -> Any:
        rid = urllib.parse.quote(run_id, safe="")
        got = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{rid}/taskInstances/{task_id}/xcomEntries/"
            f"{key}?map_index={map_index}&deserialize=true",
        )
        value = got.get("value")
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        run = self.api(
            "POST",
            f"/dags/{dag_id}/dagRuns",
            {"logical_date": None, "conf": conf, "note": f"deploy/local check {self.tag}"},
        )
        return run["dag_run_id"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        run = self.wait(
            f"{dag_id} run {run_id} to finish",
            lambda: (r := self.dag_run(dag_id, run_id))["state"] in TERMINAL_RUN and r,
            timeout,
            2,
        )
        if run["state"] != "success":
            states = {
                f"{t['task_id']}[{t['map_index']}]": t["state"]
                for t in self.task_instances(dag_id, run_id)
            }
            self.say(f"{dag_id} {run_id} task states: {states}")
        return run

    def new_conference(self, status: str) -> dict[str, Any]:
        name = f"deploy-check-{self.tag}-{secrets.token_hex(3)}"
        return self.emulator("POST", "/conferences", {"FriendlyName": name, "Status": status})

    def new_streams(self, conference_sid: str, count: int) -> list[dict[str, str]]:
        got = self.emulator(
            "POST",
            f"/conferences/{conference_sid}/streams",
            {"Name": f"deploy-{self.tag}", "Count": count},
        )["streams"]
        for s in got:
            self.our_streams[s["sid"]] = conference_sid
        return [{"conference_sid": conference_sid, "stream_sid": s["sid"]} for s in got]

    def timed(self, name: str, fn: Any, *a: Any) -> Any:
        t = time.monotonic()
        try:
            return fn(*a)
        finally:
            self.timings[name] = round(time.monotonic() - t, 1)
