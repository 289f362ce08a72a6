"""
List the package modules one ``StopConferenceStreamOperator.execute`` runs through, in order.

Usage, from the repository root, with the test environment's Python::

    .venv/bin/python scripts/call_path.py            # a successful stop
    .venv/bin/python scripts/call_path.py --fail 404 # a stop that SignalWire refuses

Everything is imported first; then one stop call runs against the bundled emulator (on a free
loopback port, in this process) under a profiler that records the module of every function of
``airflow_provider_signalwire`` that runs on the calling thread. The emulator's own modules
(``testing/``) answer on their server thread and are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

PACKAGE = Path(__file__).resolve().parent.parent / "airflow_provider_signalwire"


class _TaskInstance:
    def xcom_push(self, key: str, value: Any) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--fail", type=int, help="make the emulator answer this status once")
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="signalwire-call-path-"))

    from airflow_provider_signalwire.exceptions import SignalWireError
    from airflow_provider_signalwire.hooks import (
        _media,  # noqa: F401 - import everything first
        signalwire,  # noqa: F401
    )
    from airflow_provider_signalwire.operators.conference import StopConferenceStreamOperator
    from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

    with SignalWireEmulator(token="call-path-token-0123456789") as emulator:
        os.environ["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = json.dumps(
            {
                "conn_type": "signalwire",
                "host": emulator.url,
                "login": emulator.project_id,
                "password": emulator.token,
            }
        )
        if args.fail:
            emulator.add_fault(Fault(status=args.fail))
        operator = StopConferenceStreamOperator(
            task_id="stop",
            conference_sid=emulator.demo_conference_sid,
            stream_sid=emulator.demo_stream_sid,
        )
        seen: dict[str, None] = {}

        def profile(frame: FrameType, event: str, arg: object) -> None:
            if event == "call":
                path = Path(frame.f_code.co_filename)
                if path.is_relative_to(PACKAGE):
                    seen.setdefault(str(path.relative_to(PACKAGE.parent)), None)

        sys.setprofile(profile)
        try:
            result: Any = operator.execute({"ti": _TaskInstance()})  # type: ignore[arg-type]
        except SignalWireError as err:
            result = f"{type(err).__name__}: {err}"
        finally:
            sys.setprofile(None)
    print(f"result: {result}")
    print(f"{len(seen)} package modules, in the order the call first enters them:")
    for module in seen:
        print(f"  {module}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
