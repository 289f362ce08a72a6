"""
Manage a conference's participants, then end the conference.

Mutes and holds one participant, removes another, then ends the conference (every participant
left leaves). The default params name the emulator's seeded "demo-conference" and its two
participants (``python -m airflow_provider_signalwire.testing``), so the DAG runs as-is against
it; trigger it with your own SIDs in the run's params. It has no schedule: ending a conference
is something to run on purpose.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.operators.conference import (
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    UpdateConferenceParticipantOperator,
)

# The emulator's seeded "demo-conference" and its two participants (seed 0).
DEMO_CONFERENCE_SID = "cb89326f-fa42-517f-b106-65bf21525f75"
DEMO_PARTICIPANTS = ("f46c9aa7-4051-536a-94dc-3c3a0447d93a", "8109f8d6-ebe0-5e9f-a831-2cc13610074c")

with DAG(
    dag_id="signalwire_manage_conference_participants",
    description="Mute and hold one participant, remove another, end the conference",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={
        "conference_sid": Param(DEMO_CONFERENCE_SID, type="string", title="Conference SID"),
        "hold_call_sid": Param(DEMO_PARTICIPANTS[0], type="string", title="Call SID to hold"),
        "remove_call_sid": Param(DEMO_PARTICIPANTS[1], type="string", title="Call SID to remove"),
    },
    tags=["signalwire", "example"],
):
    hold = UpdateConferenceParticipantOperator(
        task_id="mute_and_hold",
        conference_sid="{{ params.conference_sid }}",
        call_sid="{{ params.hold_call_sid }}",
        muted=True,
        hold=True,
    )
    remove = RemoveConferenceParticipantOperator(
        task_id="remove_participant",
        conference_sid="{{ params.conference_sid }}",
        call_sid="{{ params.remove_call_sid }}",
    )
    end = EndConferenceOperator(
        task_id="end_conference", conference_sid="{{ params.conference_sid }}"
    )

    @task
    def report(**context: Any) -> list[str]:
        """Say what happened to the participants and the conference, from XCom."""
        ti = context["ti"]
        held = ti.xcom_pull(task_ids="mute_and_hold")
        removed = ti.xcom_pull(task_ids="remove_participant")
        lines = [
            f"{held['call_sid']}: muted={held['muted']} hold={held['hold']}",
            f"{removed['call_sid']}: {removed['status']}",
            f"conference: {ti.xcom_pull(task_ids='end_conference', key='conference_status')}",
        ]
        print("\n".join(lines))
        return lines

    [hold, remove] >> end >> report()
