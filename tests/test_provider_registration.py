"""The package as Airflow sees it: provider info, connection form, discovery, light imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest
from signalwire_test_support import REPO

import airflow_provider_signalwire
from airflow_provider_signalwire.get_provider_info import get_provider_info


def test_provider_info_matches_airflows_schema() -> None:
    import jsonschema
    from airflow import providers_manager

    schema_path = Path(providers_manager.__file__).with_name("provider_info.schema.json")
    jsonschema.validate(get_provider_info(), json.loads(schema_path.read_text()))


def test_package_name_and_version_come_from_the_distribution() -> None:
    dist = distribution("airflow-provider-signalwire")
    assert get_provider_info()["package-name"] == dist.metadata["Name"]
    assert dist.version == airflow_provider_signalwire.__version__ == "0.1.0"
    [entry_point] = [ep for ep in dist.entry_points if ep.group == "apache_airflow_provider"]
    assert entry_point.value == "airflow_provider_signalwire.get_provider_info:get_provider_info"


def test_ships_py_typed() -> None:
    assert (Path(airflow_provider_signalwire.__file__).parent / "py.typed").is_file()


@pytest.mark.skipif(
    not os.environ.get("SIGNALWIRE_REQUIRE_INSTALLED"),
    reason="runs only against the built wheel: run scripts/test without --no-build",
)
def test_tests_run_against_the_installed_package() -> None:
    installed = Path(airflow_provider_signalwire.__file__).resolve()
    assert "site-packages" in installed.parts
    assert installed.parent != REPO / "airflow_provider_signalwire"


def test_every_module_named_in_provider_info_imports() -> None:
    import importlib

    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for conn in info["connection-types"]:
        module, _, name = conn["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn["connection-type"]
        assert hook.hook_name == conn["hook-name"]


def test_providers_manager_knows_the_hook() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-signalwire" in manager.providers
    hook = manager.hooks["signalwire"]
    assert hook is not None
    assert hook.hook_class_name == "airflow_provider_signalwire.hooks.signalwire.SignalWireHook"
    assert hook.connection_id_attribute_name == "signalwire_conn_id"


def test_the_ui_builds_the_signalwire_form() -> None:
    """What ``GET /ui/connections/hook_meta`` serves the form from (3.1: hook methods; 3.2+: info)."""
    # A fresh interpreter: the providers manager is a singleton that other tests already built.
    probe = """
import json
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
[meta] = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "signalwire"]
print(meta.model_dump_json())
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=180
    )
    meta = json.loads(done.stdout.strip().splitlines()[-1])
    assert meta["hook_name"] == "SignalWire"
    fields = meta["standard_fields"]
    assert fields["host"] == {
        "hidden": False,
        "title": "Space URL",
        "placeholder": "example.signalwire.com",
    }
    assert fields["login"]["title"] == "Project ID"
    assert fields["password"]["title"] == "API Token"
    assert fields["port"]["hidden"] is True
    assert not fields["login"]["hidden"] and not fields["password"]["hidden"]
    extra = meta["extra_fields"]
    assert {"timeout", "connect_timeout", "verify"} <= set(extra)
    assert extra["verify"]["schema"]["title"] == "Verify TLS"
    assert "CA bundle" in extra["verify"]["description"]


def _airflow_cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "airflow", *args, "--output", "json"],
        capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    return done.stdout


def test_airflow_cli_lists_provider_and_connection_type() -> None:
    providers = json.loads(_airflow_cli("providers", "list"))
    assert any(p["package_name"] == "airflow-provider-signalwire" for p in providers)
    hooks = json.loads(_airflow_cli("providers", "hooks"))
    assert any(h["connection_type"] == "signalwire" for h in hooks), hooks


#: Pure modules under hooks/ that operators and sensors use at DAG parse time.
STDLIB_ONLY_HOOK_MODULES = {
    # Argument checks, with the spec's enums and per-operation field tables they check against.
    "airflow_provider_signalwire.hooks._api",
    "airflow_provider_signalwire.hooks._conferences",
}


@pytest.mark.parametrize(
    "module",
    [
        "airflow_provider_signalwire.operators.conference",
        "airflow_provider_signalwire.sensors.conference",
    ],
)
def test_dag_time_imports_load_no_http_stack(module: str) -> None:
    """
    What a DAG file imports must not pull in requests, tenacity, httpx or the emulator.

    Of ``hooks/`` only the standard-library modules that validate arguments and read
    conferences may load; the hooks themselves and their transports may not.
    """
    probe = f"""
import sys
from airflow.sdk import BaseHook, BaseOperator, BaseSensorOperator
before = set(sys.modules)
import {module}
added = sorted(set(sys.modules) - before)
print("\\n".join(added))
"""
    added = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    foreign = [name for name in added if not name.startswith("airflow_provider_signalwire")]
    heavy = [
        name for name in added
        if name.split(".")[0] in {"requests", "urllib3", "tenacity", "httpx", "aiohttp"}
        or (".hooks." in name and name not in STDLIB_ONLY_HOOK_MODULES) or ".testing" in name
    ]  # fmt: skip
    assert heavy == [], heavy
    assert len(foreign) <= 5, foreign


def test_the_hook_lays_out_the_form_as_provider_info_declares_it() -> None:
    """Airflow 3.1 reads the form from the hook class; 3.2+ from get_provider_info: the same."""
    from airflow_provider_signalwire.get_provider_info import get_provider_info
    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    [declared] = get_provider_info()["connection-types"]
    behaviour = declared["ui-field-behaviour"]
    assert SignalWireHook.get_ui_field_behaviour() == {
        "hidden_fields": list(behaviour["hidden-fields"]),
        "relabeling": dict(behaviour["relabeling"]),
        "placeholders": dict(behaviour["placeholders"]),
    }
    assert "get_ui_field_behaviour" in vars(SignalWireHook)  # 3.1 looks in the class's own dict
    assert "get_connection_form_widgets" in vars(SignalWireHook)
