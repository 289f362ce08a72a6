"""What ``get_provider_info`` declares, checked against the code it describes and the form users see.

Airflow reads the provider info to find the hook behind a connection type, to list the provider's
modules and to draw the connection form (Airflow 3.2+ from ``conn-fields``, 3.1 through the hook,
which reads the same declaration). These tests pin what users see in that form, word for word, and
check every declared path and bound against the package itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import jsonschema
import pytest

import airflow_provider_signalwire
from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.get_provider_info import get_provider_info
from airflow_provider_signalwire.hooks._connection import settings_from_connection

PACKAGE = "airflow_provider_signalwire"
TOKEN = "PT" + "a" * 48
PROJECT = "b3877c40-da60-4998-90ad-b792e98472af"


def _connection_type() -> dict[str, Any]:
    [declared] = get_provider_info()["connection-types"]
    return dict(declared)


def _public_modules(kind: str) -> list[str]:
    package = importlib.import_module(f"{PACKAGE}.{kind}")
    return sorted(
        f"{PACKAGE}.{kind}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )


def test_the_provider_is_named_and_described_for_the_providers_page() -> None:
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-signalwire"
    assert info["name"] == "SignalWire"
    assert info["description"] == (
        "Control `SignalWire <https://signalwire.com/>`__ voice conferences and their media "
        "streams, and text people when tasks fail, through SignalWire's Compatibility REST API."
    )
    assert info["integrations"] == [
        {
            "integration-name": "SignalWire",
            "external-doc-url": "https://developer.signalwire.com/compatibility-api/",
            "tags": ["service"],
        }
    ]


@pytest.mark.parametrize("kind", ["hooks", "operators", "sensors", "triggers"])
def test_each_kind_declares_exactly_its_public_modules(kind: str) -> None:
    [entry] = get_provider_info()[kind]
    assert entry["integration-name"] == "SignalWire"
    assert sorted(entry["python-modules"]) == _public_modules(kind)


def test_the_archive_transfer_is_declared_from_signalwire_to_common_io() -> None:
    [transfer] = get_provider_info()["transfers"]
    assert transfer == {
        "source-integration-name": "SignalWire",
        "target-integration-name": "Common IO",
        "python-module": f"{PACKAGE}.transfers.recordings",
    }
    assert [transfer["python-module"]] == _public_modules("transfers")


def test_the_notifier_path_names_the_notifier_class() -> None:
    from airflow.sdk import BaseNotifier

    [path] = get_provider_info()["notifications"]
    module, _, name = path.rpartition(".")
    notifier = getattr(importlib.import_module(module), name)
    assert issubclass(notifier, BaseNotifier)
    assert path == f"{PACKAGE}.notifications.signalwire.SignalWireNotifier"


def test_every_integration_named_is_declared() -> None:
    info = get_provider_info()
    declared = {item["integration-name"] for item in info["integrations"]}
    named = {entry["integration-name"] for kind in ("hooks", "operators", "sensors", "triggers")
             for entry in info[kind]}  # fmt: skip
    named |= {item["source-integration-name"] for item in info["transfers"]}
    assert named == declared


def test_the_connection_type_points_at_the_hook() -> None:
    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    declared = _connection_type()
    assert declared["connection-type"] == SignalWireHook.conn_type == "signalwire"
    assert declared["hook-name"] == SignalWireHook.hook_name == "SignalWire"
    assert declared["hook-class-name"] == f"{PACKAGE}.hooks.signalwire.SignalWireHook"


def test_the_form_hides_the_fields_signalwire_does_not_use() -> None:
    behaviour = _connection_type()["ui-field-behaviour"]
    assert behaviour["hidden-fields"] == ["schema", "port", "extra"]


#: The standard fields as the form shows them: field -> (label, placeholder).
STANDARD_FIELDS = {
    "host": ("Space URL", "example.signalwire.com"),
    "login": ("Project ID", PROJECT),
    "password": ("API Token", "PT" + "x" * 48),
}


@pytest.mark.parametrize("field", sorted(STANDARD_FIELDS))
def test_each_standard_field_has_its_label_and_placeholder(field: str) -> None:
    behaviour = _connection_type()["ui-field-behaviour"]
    label, placeholder = STANDARD_FIELDS[field]
    assert behaviour["relabeling"][field] == label
    assert behaviour["placeholders"][field] == placeholder


def test_only_the_declared_fields_are_relabelled_or_given_placeholders() -> None:
    behaviour = _connection_type()["ui-field-behaviour"]
    assert set(behaviour["relabeling"]) == set(STANDARD_FIELDS)
    assert set(behaviour["placeholders"]) == {*STANDARD_FIELDS, "from_number"}
    assert behaviour["placeholders"]["from_number"] == "+15550100123"


#: The extra fields: field -> (label, description, JSON schema).
EXTRA_FIELDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "timeout": (
        "Read timeout (seconds)",
        "Seconds to wait for SignalWire's answer (default 30).",
        {"type": ["number", "null"], "minimum": 0.1, "maximum": 3600},
    ),
    "connect_timeout": (
        "Connect timeout (seconds)",
        "Seconds to establish a connection (default 10).",
        {"type": ["number", "null"], "minimum": 0.1, "maximum": 3600},
    ),
    "verify": (
        "Verify TLS",
        "true (default), false (not recommended: logs a warning) or the path of a CA bundle "
        "file on the workers.",
        {"type": ["string", "null"]},
    ),
    "from_number": (
        "Default From number",
        "Optional. The E.164 number (+ and 2-15 digits, e.g. +15550100123) that messages are "
        "sent from when a task names neither from_number nor messaging_service_sid.",
        {"type": ["string", "null"]},
    ),
}


def test_the_form_has_exactly_the_extra_fields_the_hook_reads() -> None:
    assert list(_connection_type()["conn-fields"]) == list(EXTRA_FIELDS)


@pytest.mark.parametrize("field", list(EXTRA_FIELDS))
def test_each_extra_field_has_its_label_description_and_schema(field: str) -> None:
    label, description, schema = EXTRA_FIELDS[field]
    assert _connection_type()["conn-fields"][field] == {
        "label": label,
        "description": description,
        "schema": schema,
    }


def _settings(**extra: Any) -> Any:
    return settings_from_connection(
        host="example.signalwire.com",
        login=PROJECT,
        password=TOKEN,
        port=None,
        extra=extra,
        conn_id="signalwire_default",
    )


def test_the_defaults_the_descriptions_state_are_the_hooks_defaults() -> None:
    settings = _settings()
    assert settings.read_timeout == 30
    assert settings.connect_timeout == 10
    assert settings.verify is True
    assert settings.from_number is None


#: Timeouts around the form's bounds, and whether the form accepts each.
TIMEOUTS = [
    (0.09, False),
    (0.1, True),
    (1, True),
    (3600, True),
    (3600.01, False),
    (None, True),
]


@pytest.mark.parametrize("field", ["timeout", "connect_timeout"])
@pytest.mark.parametrize(("seconds", "form_accepts"), TIMEOUTS)
def test_a_timeout_the_form_accepts_the_hook_accepts(
    field: str, seconds: float | None, form_accepts: bool
) -> None:
    """The form may be stricter than the hook (below 0.1 s) but never looser."""
    schema = _connection_type()["conn-fields"][field]["schema"]
    accepted = jsonschema.Draft202012Validator(schema).is_valid(seconds)
    assert accepted is form_accepts
    if accepted:
        settings = _settings(**{field: seconds})
        read = settings.read_timeout if field == "timeout" else settings.connect_timeout
        assert read == (seconds or (30 if field == "timeout" else 10))
    elif seconds is not None and seconds > 3600:
        with pytest.raises(SignalWireValidationError, match=f"extra {field}"):
            _settings(**{field: seconds})


@pytest.mark.parametrize(
    ("number", "accepted"),
    [("+15550100123", True), ("+12", True), ("+1", False), ("+1" + "5" * 14, True),
     ("+1" + "5" * 15, False), ("15550100123", False)],
)  # fmt: skip
def test_the_from_number_description_states_the_rule_the_hook_applies(
    number: str, accepted: bool
) -> None:
    if accepted:
        assert _settings(from_number=number).from_number == number
    else:
        with pytest.raises(SignalWireValidationError, match="extra from_number"):
            _settings(from_number=number)


def test_the_package_version_is_a_release_number() -> None:
    major, minor, patch = airflow_provider_signalwire.__version__.split(".")
    assert all(part.isdigit() for part in (major, minor, patch))
