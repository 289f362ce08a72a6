"""
Run the emulator from the command line.

``python -m airflow_provider_signalwire.testing --port 8765 --project-id P --token T`` prints one
JSON line once listening (URL, project ID, seeded SIDs and, under ``seeded``, which streams,
participants and recordings belong to which conference; never the token), then serves until
SIGINT or SIGTERM. The token may come from ``SIGNALWIRE_EMULATOR_TOKEN`` instead of ``--token``
so that it stays out of process listings.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.emulator import SignalWireEmulator, is_loopback_host

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

TOKEN_ENV = "SIGNALWIRE_EMULATOR_TOKEN"  # noqa: S105 - a variable name, not a secret
#: The CLI's project ID unless ``--project-id`` says otherwise: SignalWire project IDs are UUIDs.
DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001"


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_signalwire.testing",
        description="Local SignalWire Compatibility API emulator (loopback only).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--project-id",
        default=DEFAULT_PROJECT_ID,
        help="project ID (auth user), a UUID like the API's account_sid (default: %(default)s)",
    )
    parser.add_argument(
        "--token", help=f"API token (default: the environment variable {TOKEN_ENV})"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the seeded SIDs (default: %(default)s)"
    )
    parser.add_argument(
        "--repeat-stop-status",
        type=int,
        choices=(200, 404),
        default=200,
        help="answer to stopping an already stopped stream (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds added per request (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser


def seeded_summary(emulator: SignalWireEmulator) -> list[dict[str, Any]]:
    """
    Say which streams, participants and recordings belong to which seeded conference.

    :param emulator: the started emulator.
    """
    return [
        {
            "conference_sid": conference["sid"],
            "friendly_name": conference["friendly_name"],
            "status": conference["status"],
            "streams": [
                {"sid": s["sid"], "name": s["name"], "status": s["status"]}
                for s in conference["streams"]
            ],
            "participants": [p["call_sid"] for p in conference["participants"]],
            "recordings": [r["sid"] for r in conference["recordings"]],
        }
        for conference in emulator.state()["conferences"]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the emulator until SIGINT or SIGTERM; return the exit status.

    :param argv: arguments without the program name; ``sys.argv[1:]`` by default.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback_host(args.host):
        parser.error(
            f"--host must be a loopback address (127.0.0.0/8, ::1, localhost): {args.host}"
        )
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        parser.error(f"an API token is required: pass --token or set {TOKEN_ENV}")
    if args.latency < 0:
        parser.error("--latency must not be negative")
    emulator = SignalWireEmulator(
        project_id=args.project_id,
        token=token,
        host=args.host,
        port=args.port,
        seed=args.seed,
        repeat_stop_status=args.repeat_stop_status,
        latency=args.latency,
        verbose=args.verbose,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        emulator.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    banner = {
        "url": emulator.url,
        "project_id": emulator.project_id,
        "conferences": emulator.conference_sids,
        "streams": emulator.stream_sids,
        "demo_conference_sid": emulator.demo_conference_sid,
        "demo_stream_sid": emulator.demo_stream_sid,
        "seeded": seeded_summary(emulator),
    }
    print(json.dumps(banner), flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
