"""
Stop many streams: half with dynamic task mapping, half with the bulk operator.

Mapping (``StopConferenceStreamOperator.partial().expand_kwargs()``) gives one task instance per
stream, each retried and visible on its own; the bulk operator stops hundreds in one task over one
connection pool with bounded concurrency. Pass ``streams`` as a list of
``{"conference_sid": ..., "stream_sid": ...}`` in the run's params.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.operators.conference import (
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
)

# The two in-progress streams of the emulator's seeded "demo-conference" (seed 0).
DEMO_CONFERENCE_SID = "cb89326f-fa42-517f-b106-65bf21525f75"
DEMO_STREAMS = [
    {"conference_sid": DEMO_CONFERENCE_SID, "stream_sid": "8da25362-7b9a-58c9-828d-1325ffbf92d0"},
    {"conference_sid": DEMO_CONFERENCE_SID, "stream_sid": "4f42b592-3719-5cbc-98c7-b03a8d1ee19f"},
]

with DAG(
    dag_id="signalwire_bulk_stop_streams",
    description="Stop a list of SignalWire streams, mapped and in bulk",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"streams": Param(DEMO_STREAMS, type="array")},
    tags=["signalwire", "example"],
):

    @task
    def first_half(**context: Any) -> list[dict[str, str]]:
        """Streams for the mapped task: the first half of ``params.streams``."""
        streams = list(context["params"]["streams"])
        return streams[: (len(streams) + 1) // 2]

    @task
    def second_half(**context: Any) -> list[dict[str, str]]:
        """Streams for the bulk task: the second half of ``params.streams``."""
        streams = list(context["params"]["streams"])
        return streams[(len(streams) + 1) // 2 :]

    stop_mapped = StopConferenceStreamOperator.partial(task_id="stop_mapped").expand_kwargs(
        first_half()
    )
    stop_bulk = StopConferenceStreamsOperator(
        task_id="stop_bulk", streams=second_half(), max_concurrency=8
    )

    @task(multiple_outputs=True)
    def summarize(mapped: list[dict[str, Any]], bulk: list[dict[str, Any]]) -> dict[str, int]:
        """Count the streams each way stopped."""
        counts = {
            "mapped_stopped": sum(1 for stream in mapped if stream.get("status") == "stopped"),
            "bulk_stopped": sum(1 for outcome in bulk if outcome.get("status") == "stopped"),
        }
        print(f"counts={counts}")
        return counts

    summarize(stop_mapped.output, stop_bulk.output)
