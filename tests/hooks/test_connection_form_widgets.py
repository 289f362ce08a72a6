"""
Airflow 3.1's connection form: the extra fields as WTForms text fields, one per ``conn-fields``.

Airflow 3.2+ reads ``conn-fields`` from the provider info and never calls
``get_connection_form_widgets``; Airflow 3.1's UI calls it with Flask-AppBuilder, WTForms and
Flask-Babel installed. Those are not installed beside Airflow 3.2+, so the three are stood in
for here by recorders that keep what the hook built; the browser test checks the real form.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_signalwire.get_provider_info import get_provider_info
from airflow_provider_signalwire.hooks import _connection
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook


@dataclass
class Lazy:
    """What ``lazy_gettext`` returned: the text to translate."""

    text: str


class TextWidget:
    """Stands for Flask-AppBuilder's ``BS3TextFieldWidget``."""


@dataclass
class Field:
    """Stands for WTForms' ``StringField``: its label and keyword arguments."""

    label: Lazy
    widget: TextWidget
    description: str


@pytest.fixture
def form_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    fieldwidgets = types.ModuleType("flask_appbuilder.fieldwidgets")
    fieldwidgets.BS3TextFieldWidget = TextWidget  # type: ignore[attr-defined]
    babel = types.ModuleType("flask_babel")
    babel.lazy_gettext = Lazy  # type: ignore[attr-defined]
    wtforms = types.ModuleType("wtforms")
    wtforms.StringField = Field  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flask_appbuilder", types.ModuleType("flask_appbuilder"))
    monkeypatch.setitem(sys.modules, "flask_appbuilder.fieldwidgets", fieldwidgets)
    monkeypatch.setitem(sys.modules, "flask_babel", babel)
    monkeypatch.setitem(sys.modules, "wtforms", wtforms)


@pytest.mark.usefixtures("form_libraries")
def test_one_text_field_per_declared_extra_with_its_label_and_description() -> None:
    declared: dict[str, Any] = get_provider_info()["connection-types"][0]["conn-fields"]
    widgets = SignalWireHook.get_connection_form_widgets()

    assert list(widgets) == list(declared)
    for name, field in declared.items():
        built = widgets[name]
        assert isinstance(built, Field)
        assert built.label == Lazy(field["label"])
        assert isinstance(built.widget, TextWidget)
        assert built.description == field.get("description", "")
    # Each field has its own widget object, as WTForms expects.
    assert len({id(w.widget) for w in widgets.values()}) == len(widgets)


@pytest.mark.usefixtures("form_libraries")
def test_the_four_extras_in_order_and_a_field_without_description_gets_an_empty_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widgets = SignalWireHook.get_connection_form_widgets()
    assert list(widgets) == ["timeout", "connect_timeout", "verify", "from_number"]
    assert widgets["verify"].label == Lazy("Verify TLS")

    info = {"conn-fields": {"region": {"label": "Region", "schema": {"type": "string"}}}}
    monkeypatch.setattr(_connection, "_connection_type_info", lambda: info)
    [(name, built)] = SignalWireHook.get_connection_form_widgets().items()
    assert (name, built.label, built.description) == ("region", Lazy("Region"), "")
