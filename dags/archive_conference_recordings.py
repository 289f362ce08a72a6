"""
Archive an ended conference's recordings into a local folder on a schedule, then report.

``ConferenceRecordingsToStorageOperator`` streams each completed recording to
``{destination}/{conference_sid}/{recording_sid}.wav``; files already there with the same size are
skipped, so the schedule can run again safely. The default params name the conference that the
bundled emulator seeds (``python -m airflow_provider_signalwire.testing``); the destination
defaults to ``SIGNALWIRE_ARCHIVE_DESTINATION`` or ``file:///tmp/signalwire-recordings``. Any
``ObjectStoragePath`` URI works, e.g. ``s3://aws_default@bucket/recordings``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.transfers.recordings import (
    ConferenceRecordingsToStorageOperator,
)

# The emulator's seeded "demo-conference" (seed 0).
DEMO_CONFERENCE_SID = "cb89326f-fa42-517f-b106-65bf21525f75"
DESTINATION = os.environ.get("SIGNALWIRE_ARCHIVE_DESTINATION", "file:///tmp/signalwire-recordings")

with DAG(
    dag_id="signalwire_archive_conference_recordings",
    description="Copy a SignalWire conference's recordings into object storage",
    schedule=os.environ.get("SIGNALWIRE_ARCHIVE_DAG_SCHEDULE", "@hourly"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "conference_sid": Param(DEMO_CONFERENCE_SID, type="string", title="Conference SID"),
        "destination": Param(DESTINATION, type="string", title="Destination folder URI"),
    },
    tags=["signalwire", "example"],
):
    # [START howto_archive_operator]
    archive = ConferenceRecordingsToStorageOperator(
        task_id="archive_recordings",
        conference_sid="{{ params.conference_sid }}",
        destination="{{ params.destination }}",
        format="wav",
        max_concurrency=4,
    )
    # [END howto_archive_operator]

    # [START howto_archive_report]
    @task(multiple_outputs=True)
    def report(**context: Any) -> dict[str, int]:
        """Count what the archive task did, from its ``archived`` XCom."""
        archived = context["ti"].xcom_pull(task_ids="archive_recordings", key="archived") or []
        counts = {
            "downloaded": sum(1 for item in archived if not item["skipped"]),
            "skipped": sum(1 for item in archived if item["skipped"]),
            "bytes": sum(item["bytes"] or 0 for item in archived if not item["skipped"]),
        }
        print(f"archive summary: {counts}")
        return counts

    # [END howto_archive_report]

    archive >> report()
