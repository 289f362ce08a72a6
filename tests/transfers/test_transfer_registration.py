"""The transfer operator as Airflow sees it: provider info, templating, light imports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

from airflow_provider_signalwire.get_provider_info import get_provider_info
from airflow_provider_signalwire.transfers.recordings import ConferenceRecordingsToStorageOperator


def test_provider_info_lists_the_transfer_and_its_module_imports() -> None:
    [transfer] = get_provider_info()["transfers"]
    assert transfer == {
        "source-integration-name": "SignalWire",
        "target-integration-name": "Common IO",
        "python-module": "airflow_provider_signalwire.transfers.recordings",
    }
    module = importlib.import_module(transfer["python-module"])
    assert module.ConferenceRecordingsToStorageOperator is ConferenceRecordingsToStorageOperator


def test_templated_fields() -> None:
    assert set(ConferenceRecordingsToStorageOperator.template_fields) == {
        "conference_sid",
        "destination",
        "signalwire_conn_id",
        "account_sid",
    }


def test_importing_the_operator_adds_no_http_stack_and_no_openlineage() -> None:
    """What a DAG file pays: nothing heavy beyond what ``airflow.sdk`` already loads."""
    probe = (
        "import sys, json; from airflow.sdk import BaseOperator; "
        "before = set(sys.modules); "
        "import airflow_provider_signalwire.transfers.recordings; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    added = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = ("requests", "urllib3", "tenacity", "httpx", "openlineage", "fsspec", "upath")
    assert [m for m in added if m.split(".")[0] in heavy] == []
    assert [m for m in added if m.startswith("airflow.providers.openlineage")] == []
    assert "airflow_provider_signalwire.transfers.recordings" in added
