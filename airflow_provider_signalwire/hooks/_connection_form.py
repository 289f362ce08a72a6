"""
The connection form on Airflow 3.1, built from the same declaration 3.2+ reads from provider info.

Airflow 3.1 asks the hook class itself (``get_ui_field_behaviour`` and
``get_connection_form_widgets``, looked up in the class's own ``__dict__``, not inherited), so
:class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook` defines both and delegates
here.
"""

from __future__ import annotations

from typing import Any


def _connection_type_info() -> dict[str, Any]:
    from airflow_provider_signalwire.get_provider_info import get_provider_info

    [connection_type] = get_provider_info()["connection-types"]
    return dict(connection_type)


def ui_field_behaviour() -> dict[str, Any]:
    """Return hidden fields, relabeling and placeholders in Airflow 3.1's format."""
    behaviour = _connection_type_info()["ui-field-behaviour"]
    return {
        "hidden_fields": list(behaviour["hidden-fields"]),
        "relabeling": dict(behaviour["relabeling"]),
        "placeholders": dict(behaviour["placeholders"]),
    }


def connection_form_widgets() -> dict[str, Any]:
    """Return the extra fields as Airflow 3.1's WTForms fields (imported only here)."""
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import StringField

    return {
        name: StringField(
            lazy_gettext(field["label"]),
            widget=BS3TextFieldWidget(),
            description=field.get("description", ""),
        )
        for name, field in _connection_type_info()["conn-fields"].items()
    }
