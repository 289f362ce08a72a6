"""Test DAG: archive a conference's recordings once, without retries, into ``params.destination``."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_signalwire.transfers.recordings import (
    ConferenceRecordingsToStorageOperator,
)

with DAG(
    dag_id="signalwire_archive_honest",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 0},
):
    ConferenceRecordingsToStorageOperator(
        task_id="archive_recordings",
        conference_sid="{{ params.conference_sid }}",
        destination="{{ params.destination }}",
        max_concurrency=2,
    )
