"""What Airflow's providers manager reads about this provider (nothing else lives here)."""

from __future__ import annotations

from typing import Any

_PACKAGE = "airflow_provider_signalwire"


def get_provider_info() -> dict[str, Any]:
    """Return the provider description Airflow validates against its provider-info schema."""
    return {
        "package-name": "airflow-provider-signalwire",
        "name": "SignalWire",
        "description": "Control `SignalWire <https://signalwire.com/>`__ voice conferences and "
        "their media streams, and text people when tasks fail, through SignalWire's "
        "Compatibility REST API.",
        "integrations": [
            {
                "integration-name": "SignalWire",
                "external-doc-url": "https://developer.signalwire.com/compatibility-api/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "SignalWire",
                "python-modules": [
                    f"{_PACKAGE}.hooks.async_signalwire",
                    f"{_PACKAGE}.hooks.signalwire",
                ],
            }
        ],
        "operators": [
            {
                "integration-name": "SignalWire",
                "python-modules": [f"{_PACKAGE}.operators.conference"],
            }
        ],
        "sensors": [
            {
                "integration-name": "SignalWire",
                "python-modules": [f"{_PACKAGE}.sensors.conference"],
            }
        ],
        "triggers": [
            {
                "integration-name": "SignalWire",
                "python-modules": [f"{_PACKAGE}.triggers.conference"],
            }
        ],
        "transfers": [
            {
                "source-integration-name": "SignalWire",
                "target-integration-name": "Common IO",
                "python-module": f"{_PACKAGE}.transfers.recordings",
            }
        ],
        "notifications": [f"{_PACKAGE}.notifications.signalwire.SignalWireNotifier"],
        "connection-types": [
            {
                "connection-type": "signalwire",
                "hook-class-name": f"{_PACKAGE}.hooks.signalwire.SignalWireHook",
                "hook-name": "SignalWire",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "extra"],
                    "relabeling": {
                        "host": "Space URL",
                        "login": "Project ID",
                        "password": "API Token",
                    },
                    "placeholders": {
                        "host": "example.signalwire.com",
                        "login": "b3877c40-da60-4998-90ad-b792e98472af",
                        "password": "PTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                        "from_number": "+15550100123",
                    },
                },
                "conn-fields": {
                    "timeout": {
                        "label": "Read timeout (seconds)",
                        "description": "Seconds to wait for SignalWire's answer (default 30).",
                        "schema": {"type": ["number", "null"], "minimum": 0.1, "maximum": 3600},
                    },
                    "connect_timeout": {
                        "label": "Connect timeout (seconds)",
                        "description": "Seconds to establish a connection (default 10).",
                        "schema": {"type": ["number", "null"], "minimum": 0.1, "maximum": 3600},
                    },
                    "verify": {
                        "label": "Verify TLS",
                        "description": "true (default), false (not recommended: logs a warning) "
                        "or the path of a CA bundle file on the workers.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "from_number": {
                        "label": "Default From number",
                        "description": "Optional. The E.164 number (+ and 2-15 digits, e.g. "
                        "+15550100123) that messages are sent from when a task names neither "
                        "from_number nor messaging_service_sid.",
                        "schema": {"type": ["string", "null"]},
                    },
                },
            }
        ],
    }
