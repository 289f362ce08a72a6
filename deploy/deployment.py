"""
The local deployment as the CLI (``deploy/local``) and the checker (``check_deploy.py``) share it.

Its layout on disk (run folder, logs, pid files, state file), its ports, the environment and
command line of each Airflow component, and process bookkeeping (pid files, liveness, process
groups, starting a component). HTTP is in ``rest.py``. Stdlib only: it runs on the machine's
python3 before the venv exists. See deploy/README.md.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
RUN = Path(os.environ.get("DEPLOY_RUN_DIR", DEPLOY / ".run")).resolve()
LOGS = RUN / "logs"
PIDS = RUN / "pids"
VENV = RUN / "venv"
AIRFLOW_HOME = RUN / "airflow-home"
REDIS_DIR = RUN / "redis"
STATE_FILE = RUN / "state.json"

AIRFLOW_VERSION = "3.3.2"

PG_PORT = int(os.environ.get("DEPLOY_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("DEPLOY_REDIS_PORT", "63799"))
API_PORT = int(os.environ.get("DEPLOY_API_PORT", "28080"))
EMULATOR_PORT = int(os.environ.get("DEPLOY_EMULATOR_PORT", "28765"))
HOST = "127.0.0.1"
API = f"http://{HOST}:{API_PORT}"
WORKERS = ("worker-1", "worker-2")
WORKER_CONCURRENCY = int(os.environ.get("DEPLOY_WORKER_CONCURRENCY", "4"))
STOP_DAG_SCHEDULE = os.environ.get("DEPLOY_STOP_DAG_SCHEDULE", "*/1 * * * *")
EVENT_POLL_INTERVAL = os.environ.get("DEPLOY_EVENT_POLL_INTERVAL", "5")
CONN_ID = "signalwire_default"
#: The connection's Default From number (extra ``from_number``): the notifier's sender.
SENDER_NUMBER = "+15550100999"
#: The Variable ``signalwire_oncall_numbers`` that dags/notify_on_failure.py texts.
ONCALL_NUMBERS = ("+15550100001", "+15550100002")
#: Where the archive DAG's scheduled runs put recordings (``SIGNALWIRE_ARCHIVE_DESTINATION``).
RECORDINGS = RUN / "recordings"

# Start order; `down` stops them in reverse.
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer", *WORKERS)
COMPONENTS = ("postgres", "redis", "emulator", *AIRFLOW_COMPONENTS)

T0 = time.monotonic()


# --------------------------------------------------------------------------------------------
# small utilities


def say(msg: str) -> None:
    print(f"[deploy {time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def die(msg: str) -> None:
    print(f"[deploy] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def run(
    argv: list[str],
    *,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    capture: bool = False,
    cwd: Path | str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; its output goes to ``log`` (appended) or is captured."""
    if log is not None and not capture:
        with open(log, "a") as fh:
            fh.write(f"\n$ {' '.join(argv)}\n")
            fh.flush()
            proc = subprocess.run(
                argv,
                stdout=fh,
                stderr=subprocess.STDOUT,
                env=env,
                text=True,
                cwd=cwd,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
    else:
        proc = subprocess.run(
            argv,
            capture_output=capture,
            env=env,
            text=True,
            cwd=cwd,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    if check and proc.returncode != 0:
        where = f"; see {log}" if log else ""
        detail = f"\n{proc.stdout}\n{proc.stderr}" if capture else ""
        die(f"command failed ({proc.returncode}): {' '.join(argv)}{where}{detail}")
    return proc


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def wait_for(
    what: str, probe, timeout: float, interval: float = 1.0, alive: tuple[str, ...] = ()
) -> Any:
    """Call ``probe`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        for name in alive:
            if not component_alive(name):
                die(
                    f"{name} died while waiting for {what}; last lines of its log:\n"
                    f"{tail(LOGS / f'{name}.log')}"
                )
        try:
            value = probe()
            if value:
                return value
        except Exception as exc:  # a probe may fail until it is ready
            last_exc = exc
        time.sleep(interval)
    die(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_exc})")


def load_state() -> dict[str, Any]:
    if not STATE_FILE.exists():
        return {}
    return json.loads(STATE_FILE.read_text())


def save_state(state: dict[str, Any]) -> None:
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.chmod(0o600)
    tmp.replace(STATE_FILE)


# --------------------------------------------------------------------------------------------
# processes: pid files, liveness, stop


def pid_file(name: str) -> Path:
    return PIDS / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        return int(pid_file(name).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0] != "Z"
    except OSError:
        return False


def ours(pid: int, run_id: str) -> bool:
    """Whether ``pid`` carries this deployment's marker in its environment."""
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"DEPLOY_RUN_ID={run_id}".encode() in env.split(b"\0")


def group_members(pgid: int) -> list[int]:
    members = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.split("/")[2]))
    return members


def component_alive(name: str) -> bool:
    pid = read_pid(name)
    return pid is not None and pid_alive(pid)


def start_process(name: str, argv: list[str], env: dict[str, str], cwd: Path = RUN) -> int:
    """Start a long-running component in its own session; record its pid."""
    log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}\n".encode())
    log.flush()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    log.close()
    pid_file(name).write_text(f"{proc.pid}\n")
    return proc.pid


# --------------------------------------------------------------------------------------------
# configuration shared by every Airflow component


def base_env(state: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON"))}
    env.pop("SIGNALWIRE_EMULATOR_TOKEN", None)
    env.update(
        DEPLOY_RUN_ID=state["run_id"],
        PYTHONUNBUFFERED="1",
        LC_ALL="C.UTF-8",
        LANG="C.UTF-8",
        PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def airflow_env(state: dict[str, Any]) -> dict[str, str]:
    db = f"airflow:{state['pg_password']}@{HOST}:{PG_PORT}/airflow"
    env = base_env(state)
    env.update(
        {
            "AIRFLOW_HOME": str(AIRFLOW_HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__FERNET_KEY": state["fernet_key"],
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{API}/execution/",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            # The example DAGs run on their schedules as soon as they are parsed.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__API__BASE_URL": f"{API}/",
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(API_PORT),
            "AIRFLOW__API__SECRET_KEY": state["api_secret_key"],
            "AIRFLOW__API_AUTH__JWT_SECRET": state["jwt_secret"],
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{HOST}:{REDIS_PORT}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
            # An unacknowledged message (its worker died) is redelivered after this many seconds
            # (default 1 day); a task running longer than this would be redelivered too.
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "300",
            # A running task whose heartbeats stop is failed (and retried) after 20 s (default 300).
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "30",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "180",
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "3",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "20",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
            # Read by dags/stop_conference_stream.py at parse time.
            "SIGNALWIRE_STOP_DAG_SCHEDULE": STOP_DAG_SCHEDULE,
            # Read by dags/conference_ended_asset.py at parse time: the event trigger's interval.
            "SIGNALWIRE_EVENT_POLL_INTERVAL": EVENT_POLL_INTERVAL,
            # Read by dags/archive_conference_recordings.py: inside the run folder, not /tmp.
            "SIGNALWIRE_ARCHIVE_DESTINATION": RECORDINGS.as_uri(),
        }
    )
    return env


def worker_env(state: dict[str, Any], name: str) -> dict[str, str]:
    env = airflow_env(state)
    env["PYTHONPATH"] = str(DEPLOY / "worker_site")
    env["DEPLOY_WORKER_HOSTNAME"] = f"deploy-{name}"
    env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = "deploy_hostname.get_hostname"
    return env


def airflow_argv(name: str) -> list[str]:
    af = str(VENV / "bin" / "airflow")
    if name == "api-server":
        return [af, "api-server", "--host", HOST, "--port", str(API_PORT), "--workers", "1"]
    if name == "scheduler":
        return [af, "scheduler", "--skip-serve-logs"]
    if name == "dag-processor":
        return [af, "dag-processor"]
    if name == "triggerer":
        return [af, "triggerer", "--skip-serve-logs"]
    if name in WORKERS:
        # Both workers share this machine: no log server (it binds every interface and one
        # port); the api-server reads the task logs from the shared AIRFLOW_HOME/logs.
        return [
            af,
            "celery",
            "worker",
            "--celery-hostname",
            f"deploy-{name}",
            "--concurrency",
            str(WORKER_CONCURRENCY),
            "--skip-serve-logs",
        ]
    raise ValueError(name)


def start_airflow_component(state: dict[str, Any], name: str) -> int:
    env = worker_env(state, name) if name in WORKERS else airflow_env(state)
    return start_process(name, airflow_argv(name), env)


def celery_ping(state: dict[str, Any]) -> list[str]:
    code = (
        "import json\nfrom airflow.providers.celery.executors.celery_executor import app\n"
        "print(json.dumps(app.control.ping(timeout=3)))"
    )
    out = (
        run(
            [str(VENV / "bin" / "python"), "-c", code],
            env=airflow_env(state),
            capture=True,
            check=False,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()
    )
    if not out:
        return []
    replies = json.loads(out[-1])
    return sorted(name for reply in replies for name in reply)
