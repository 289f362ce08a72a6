"""
Event-driven: one DAG run for every SignalWire conference that ends.

An Asset is watched by ``ConferenceEventTrigger`` in the triggerer: each conference that ends
becomes an asset event, and each asset event schedules this DAG. The run reads the ended
conference from ``triggering_asset_events`` and lists its recordings.

``SIGNALWIRE_EVENT_POLL_INTERVAL`` (seconds, read when the file is parsed, default 60) sets how
often the triggerer lists the account's conferences; ``deploy/local`` sets 5.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, task

from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger

POLL_INTERVAL = float(os.environ.get("SIGNALWIRE_EVENT_POLL_INTERVAL", "60"))

conference_ended = Asset(
    name="signalwire_conference_ended",
    watchers=[
        AssetWatcher(
            name="signalwire_conference_end_watcher",
            trigger=ConferenceEventTrigger(events=("conference-end",), poll_interval=POLL_INTERVAL),
        )
    ],
)

with DAG(
    dag_id="signalwire_conference_ended",
    description="When a SignalWire conference ends, list its recordings",
    schedule=[conference_ended],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["signalwire", "example"],
):

    @task
    def ended_conferences(**context: Any) -> list[dict[str, Any]]:
        """The conferences whose end scheduled this run (a run may gather several events)."""
        # A run triggered by hand has no asset events: nothing to do.
        events = context["triggering_asset_events"].get(conference_ended, [])
        return [
            event.extra["payload"]["conference"]
            for event in events
            if event.extra.get("payload", {}).get("event") == "conference-end"
        ]

    @task
    def list_recordings(conferences: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """List each ended conference's recordings: what a real DAG would fetch or archive."""
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        hook = SignalWireHook()
        try:
            return [
                {
                    "conference_sid": conference["sid"],
                    "friendly_name": conference.get("friendly_name"),
                    "recording_sids": [
                        recording["sid"] for recording in hook.list_recordings(conference["sid"])
                    ],
                }
                for conference in conferences
            ]
        finally:
            hook.close()

    list_recordings(ended_conferences())
