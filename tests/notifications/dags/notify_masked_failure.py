"""
Test DAG: tasks that fail the way real ones do, each paging through ``SignalWireNotifier``.

``leaky_export`` fails with a long exception holding a connection's password (Airflow masks it in
the logs; the SMS must not carry it either). ``leaky_template``'s notifier renders the same URI
from the connection. ``broken_template`` fails with a notifier whose body template cannot render
(a fallback must still page). The on-call Variable is written the way
people write it: a trailing comma and newlines.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, BaseHook, task

from airflow_provider_signalwire.notifications.signalwire import SignalWireNotifier

ON_CALL = "{{ var.value.signalwire_oncall_numbers }}"

with DAG(
    dag_id="signalwire_notify_masked_failure",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 0},
):

    @task(
        on_failure_callback=SignalWireNotifier(
            to=ON_CALL, body="{{ ti.task_id }} failed: {{ exception }}"
        )
    )
    def leaky_export() -> None:
        """Fail with the warehouse URI, password included, and a long tail."""
        uri = BaseHook.get_connection("warehouse_db").get_uri()
        raise RuntimeError(f"could not connect to {uri}\n" + "retrying the export...\n" * 200)

    @task(
        on_failure_callback=SignalWireNotifier(
            to=ON_CALL, body="{{ ti.task_id }} failed: {{ ti.no_such_attribute() }}"
        )
    )
    def broken_template() -> None:
        """Fail; its notifier's body template cannot render."""
        raise RuntimeError("broken_template failed on purpose")

    @task(
        on_failure_callback=SignalWireNotifier(
            to=ON_CALL, body="{{ ti.task_id }} failed; target {{ conn.warehouse_db.get_uri() }}"
        )
    )
    def leaky_template() -> None:
        """Fail; its notifier's body renders the warehouse URI, password included."""
        raise RuntimeError("leaky_template failed on purpose")

    leaky_export()
    broken_template()
    leaky_template()
