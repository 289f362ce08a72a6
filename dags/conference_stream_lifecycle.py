"""
Wait for a conference to start (deferrable sensor), stream its audio, then stop the stream.

The sensor waits in Airflow's triggerer, not in a worker slot. The stream's bearer token comes from
the Airflow Variable ``signalwire_stream_token`` by template, never from this file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.operators.conference import (
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
)
from airflow_provider_signalwire.sensors.conference import SignalWireConferenceSensor

CONFERENCE_SID = "{{ ti.xcom_pull(task_ids='wait_for_conference')['sid'] }}"

with DAG(
    dag_id="signalwire_conference_stream_lifecycle",
    description="When a conference goes live, stream it; then stop the stream and report",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={
        "conference_friendly_name": Param("demo-conference", type="string"),
        "ws_url": Param("wss://media.example.com/conference-audio", type="string"),
    },
    tags=["signalwire", "example"],
):
    wait_for_conference = SignalWireConferenceSensor(
        task_id="wait_for_conference",
        friendly_name="{{ params.conference_friendly_name }}",
        target_status="in-progress",
        deferrable=True,
        poke_interval=2,
        timeout=3600,
    )
    # [START howto_start_stream]
    start_stream = StartConferenceStreamOperator(
        task_id="start_stream",
        conference_sid=CONFERENCE_SID,
        url="{{ params.ws_url }}",
        track="both_tracks",
        authorization_bearer_token="{{ var.value.get('signalwire_stream_token', '') }}",
        parameters={"dag_run": "{{ run_id }}"},
        retries=0,
    )
    # [END howto_start_stream]
    stop_stream = StopConferenceStreamOperator(
        task_id="stop_stream",
        conference_sid=CONFERENCE_SID,
        stream_sid="{{ ti.xcom_pull(task_ids='start_stream', key='stream_sid') }}",
    )

    @task(multiple_outputs=True)
    def report(**context: Any) -> dict[str, Any]:
        """Summarise what happened, from XCom."""
        ti = context["ti"]
        summary = {
            "conference_sid": ti.xcom_pull(task_ids="wait_for_conference")["sid"],
            "stream_sid": ti.xcom_pull(task_ids="start_stream", key="stream_sid"),
            "started_as": ti.xcom_pull(task_ids="start_stream", key="stream_status"),
            "ended_as": ti.xcom_pull(task_ids="stop_stream", key="stream_status"),
        }
        print(f"summary={summary}")
        return summary

    wait_for_conference >> start_stream >> stop_stream >> report()
