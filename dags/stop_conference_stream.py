"""
Stop a SignalWire conference's media stream on a schedule, then act on the stream's status.

The default params name the stream that the bundled emulator seeds
(``python -m airflow_provider_signalwire.testing``), so the DAG runs as-is against it. Set the
schedule with the ``SIGNALWIRE_STOP_DAG_SCHEDULE`` environment variable (a cron string or preset).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.operators.conference import StopConferenceStreamOperator

# The emulator's seeded "demo-conference" and its stream named "demo-stream" (seed 0).
DEMO_CONFERENCE_SID = "cb89326f-fa42-517f-b106-65bf21525f75"
DEMO_STREAM_SID = "8da25362-7b9a-58c9-828d-1325ffbf92d0"

with DAG(
    dag_id="signalwire_stop_conference_stream",
    description="Stop a SignalWire conference stream and report its status",
    schedule=os.environ.get("SIGNALWIRE_STOP_DAG_SCHEDULE", "@daily"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={
        "conference_sid": Param(DEMO_CONFERENCE_SID, type="string", title="Conference SID"),
        "stream_sid": Param(DEMO_STREAM_SID, type="string", title="Stream SID or name"),
    },
    tags=["signalwire", "example"],
):
    stop_stream = StopConferenceStreamOperator(
        task_id="stop_stream",
        conference_sid="{{ params.conference_sid }}",
        stream_sid="{{ params.stream_sid }}",
    )

    @task
    def report_status(**context: Any) -> str:
        """Read ``stream_status`` from XCom and fail loudly unless the stream is stopped."""
        status = context["ti"].xcom_pull(task_ids="stop_stream", key="stream_status")
        if status != "stopped":
            raise RuntimeError(f"Stream is {status!r}, expected 'stopped'")
        print(f"stream_status={status}")
        return str(status)

    stop_stream >> report_status()
