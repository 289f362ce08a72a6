"""How Airflow finds the notifier and shows the connection's Default From number."""

from __future__ import annotations

import json
import subprocess
import sys

from airflow_provider_signalwire.get_provider_info import get_provider_info
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.notifications.signalwire import (
    SignalWireNotifier,
    send_signalwire_notification,
)

NOTIFIER = "airflow_provider_signalwire.notifications.signalwire.SignalWireNotifier"


def test_the_notifier_is_registered_and_is_a_base_notifier() -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk import BaseNotifier

    assert get_provider_info()["notifications"] == [NOTIFIER]
    assert NOTIFIER in ProvidersManager().notification
    assert issubclass(SignalWireNotifier, BaseNotifier)
    assert send_signalwire_notification is SignalWireNotifier
    assert SignalWireNotifier.template_fields == ("to", "body", "from_number")


def test_airflow_cli_lists_the_notifier() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "notifications", "--output", "json"],
        capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    listed = [entry["notification_class_name"] for entry in json.loads(done.stdout)]
    assert NOTIFIER in listed


def test_default_from_number_is_a_connection_form_field_with_a_placeholder() -> None:
    [connection] = get_provider_info()["connection-types"]
    field = connection["conn-fields"]["from_number"]
    assert field["label"] == "Default From number"
    assert "E.164" in field["description"]
    placeholder = connection["ui-field-behaviour"]["placeholders"]["from_number"]
    assert placeholder.startswith("+") and placeholder[1:].isdigit()
    # Airflow 3.1 builds the form from the hook instead; the same declaration feeds it.
    assert SignalWireHook.get_ui_field_behaviour()["placeholders"]["from_number"] == placeholder


def test_the_ui_shows_default_from_number() -> None:
    """What ``GET /ui/connections/hook_meta`` serves (3.1: from the hook; 3.2+: provider info)."""
    probe = """
import json
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
from airflow.providers_manager import ProvidersManager
[meta] = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "signalwire"]
behaviour = ProvidersManager().field_behaviours["signalwire"]
print(json.dumps({"extra": meta.model_dump()["extra_fields"], "behaviour": behaviour}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=180
    )
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    field = shown["extra"]["from_number"]
    assert field["schema"]["title"] == "Default From number"
    assert "string" in field["schema"]["type"]
    placeholders = shown["behaviour"]["placeholders"]
    assert placeholders["extra__signalwire__from_number"].startswith("+")


def test_importing_the_notifier_loads_no_http_stack() -> None:
    """DAG files import the notifier at parse time: it must not pull in requests or httpx."""
    probe = """
import sys
from airflow.sdk import BaseNotifier
before = set(sys.modules)
import airflow_provider_signalwire.notifications.signalwire
print("\\n".join(sorted(set(sys.modules) - before)))
"""
    added = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    heavy = [
        name for name in added
        if name.split(".")[0] in {"requests", "urllib3", "tenacity", "httpx"} or ".hooks" in name
    ]  # fmt: skip
    assert heavy == []
