"""
Text the on-call people when a task fails, and again when the whole DAG run fails.

Nothing here names a phone number: the recipients come from the Variable
``signalwire_oncall_numbers`` (E.164 numbers separated by commas, semicolons, spaces or newlines,
e.g. ``+15551230001, +15551230002``) and the sender from the connection's Default From number
(its ``from_number`` extra). The task ``nightly_export`` fails on purpose while the param
``simulate_failure`` is true (the default), so a run shows both messages; put real work in its
place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_signalwire.notifications.signalwire import SignalWireNotifier

# [START howto_notifier_recipients]
ON_CALL = "{{ var.value.signalwire_oncall_numbers }}"
# [END howto_notifier_recipients]

with DAG(
    dag_id="signalwire_notify_on_failure",
    description="Page the on-call people by SMS when a task or the DAG run fails",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"simulate_failure": Param(True, type="boolean", title="Fail on purpose")},
    # [START howto_notifier_dag_callback]
    on_failure_callback=SignalWireNotifier(
        to=ON_CALL,
        body="DAG {{ dag.dag_id }} failed (run {{ run_id }}): {{ reason }}",
    ),
    # [END howto_notifier_dag_callback]
    default_args={"retries": 0},
    tags=["signalwire", "example"],
):
    # [START howto_notifier_task_callback]
    @task(
        on_failure_callback=SignalWireNotifier(
            to=ON_CALL,
            body="{{ dag.dag_id }}/{{ ti.task_id }} failed in run {{ run_id }}. "
            "Log: {{ ti.log_url }}",
        )
    )
    def nightly_export(**context: Any) -> None:
        """Stand-in for real work: fails while ``simulate_failure`` is true."""
        if context["params"]["simulate_failure"]:
            raise RuntimeError("nightly_export failed on purpose (param simulate_failure)")

    # [END howto_notifier_task_callback]

    nightly_export()
