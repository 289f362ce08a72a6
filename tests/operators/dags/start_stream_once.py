"""Test DAG: start one stream on ``params.conference_sid``, retried at once if the try fails."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param

from airflow_provider_signalwire.operators.conference import StartConferenceStreamOperator

with DAG(
    dag_id="signalwire_start_stream_once",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={
        "conference_sid": Param("", type="string"),
        "name": Param("", type="string"),
        "name_per_try": Param(False, type="boolean"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=0)},
):
    StartConferenceStreamOperator(
        task_id="start_stream",
        conference_sid="{{ params.conference_sid }}",
        url="wss://media.example.com/conference-audio",
        name="{{ params.name }}{% if params.name_per_try %}-{{ ti.try_number }}{% endif %}",
        max_attempts=1,
    )
