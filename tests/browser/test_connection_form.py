"""
The SignalWire connection form in the real Airflow UI, driven in headless Chromium.

Admin > Connections > Add Connection, type SignalWire: the relabelled fields and their
placeholders, the hidden ones, the extra fields with their labels and descriptions; then save,
press the connection's Test button (against the emulator) and read the result, with good
credentials and with a wrong token (whose value must appear nowhere on the page).

In Airflow 3 the Test button sits in the connections list, so it tests a saved connection.

Selectors are roles and visible texts (Airflow's own English strings), never CSS classes; the
only structural assumption is that each field is a ``group`` holding its ``label`` (Chakra's
``Field``): the Verify TLS label is not tied to its input (Airflow's UI gives them different ids),
so that field is found through its group.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, REPO, TOKEN

from airflow_provider_signalwire.get_provider_info import get_provider_info

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from airflow_api_server import AirflowApi

    from airflow_provider_signalwire.testing import SignalWireEmulator

pytestmark = pytest.mark.browser

WRONG_TOKEN = "sw-wrong-token-LEAKCHECK-3b9d5e71"
DECLARED = get_provider_info()["connection-types"][0]
BEHAVIOUR = DECLARED["ui-field-behaviour"]
RELABELLED = {"host": "Space URL", "login": "Project ID", "password": "API Token"}
EXTRA_VALUES = {
    "timeout": "15",
    "connect_timeout": "5",
    "verify": "true",
    "from_number": "+15550100999",
}
DOCS_SCREENSHOT = REPO / "docs" / "connection-form.png"


@pytest.fixture
def page(chromium: Any, airflow_api: AirflowApi) -> Iterator[Any]:
    """A fresh browser context on the API server's UI."""
    context = chromium.new_context(
        base_url=airflow_api.base_url, viewport={"width": 1280, "height": 1000}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.route("**/api/v2/connections/test", _portless_as_null)
    try:
        yield page
    finally:
        context.close()


def _portless_as_null(route: Any) -> None:
    """
    Send "no port" as null, as the UI means it (workaround for Airflow 3.3.x's UI).

    The list's Test button posts ``port: Number(connection.port)``, which is 0 for a connection
    without a port, and Airflow 3.3.x before apache/airflow#73298 then answers 400 ("the host or
    port to test differs from the stored connection"). SignalWire connections have no port.
    ``test_connection_api`` has an xfail test that shows when Airflow no longer needs this.
    """
    body = route.request.post_data_json
    if isinstance(body, dict) and body.get("port") == 0:
        body["port"] = None
        route.continue_(post_data=json.dumps(body))
    else:
        route.continue_()


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _open_connections(page: Any) -> None:
    expect = _expect()
    page.goto("/connections")
    add = page.get_by_role("button", name="Add Connection")
    # Airflow 3.1's automatic all-admins login lands on the home page: go again.
    expect(add.or_(page.get_by_text("Welcome", exact=True)).first).to_be_visible()
    if not add.is_visible():
        page.goto("/connections")
    expect(add).to_be_visible()


def _add_signalwire_form(page: Any, connection_id: str) -> Any:
    """Open Add Connection, fill the id, pick type SignalWire; return the dialog."""
    expect = _expect()
    _open_connections(page)
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog").filter(has_text="Add Connection")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Connection ID").fill(connection_id)
    connection_type = dialog.get_by_role("combobox", name="Connection Type")
    connection_type.fill("SignalWire")
    page.get_by_role("option", name="SignalWire", exact=True).click()
    expect(dialog.get_by_label("Space URL", exact=True)).to_be_visible()
    return dialog


def _field(section: Any, label: str) -> Any:
    """The field (Chakra ``Field`` group) whose label reads ``label``."""
    return section.get_by_role("group").filter(
        has=section.page.locator("label").filter(has_text=label)
    )


def _fill_standard_fields(dialog: Any, url: str, token: str) -> None:
    dialog.get_by_label("Space URL", exact=True).fill(url)
    dialog.get_by_label("Project ID", exact=True).fill(PROJECT_ID)
    dialog.get_by_label("API Token", exact=True).fill(token)


def _save(page: Any, dialog: Any, connection_id: str) -> Any:
    """Save the form; return the connection's row in the list."""
    expect = _expect()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=connection_id, exact=True)
    )
    expect(row).to_contain_text("signalwire")
    return row


def _press_test(page: Any, row: Any) -> dict[str, Any]:
    """Press the row's Test button; return the API's answer (what the toast shows)."""
    with page.expect_response(re.compile(r"/api/v2/connections/test$")) as answer:
        row.get_by_role("button", name="Test Connection").click()
    response = answer.value
    assert response.status == 200, response.text()
    result: dict[str, Any] = response.json()
    return result


def _toast(page: Any, title: str) -> Any:
    return page.get_by_role("status").filter(has_text=title)


def _delete_connection(api: AirflowApi, connection_id: str) -> None:
    api.client.delete(f"/api/v2/connections/{connection_id}")


def test_signalwire_form_saves_and_tests_good_credentials(
    page: Any, airflow_api: AirflowApi, emulator: SignalWireEmulator, screenshot_dir: Path
) -> None:
    expect = _expect()
    connection_id = "signalwire_ui"
    try:
        dialog = _add_signalwire_form(page, connection_id)

        # Standard fields: relabelled, with the declared placeholders; schema, port hidden.
        # Only the Standard Fields section is open: its labels follow Connection ID and Type.
        visible_labels = [
            text.replace("*", "").strip()
            for text in dialog.locator("label").filter(visible=True).all_inner_texts()
        ]
        assert visible_labels == [
            "Connection ID",
            "Connection Type",
            "Description",
            "Space URL",
            "Project ID",
            "API Token",
        ], visible_labels
        for name, label in RELABELLED.items():
            box = dialog.get_by_label(label, exact=True)
            expect(box).to_be_visible()
            expect(box).to_have_attribute("placeholder", BEHAVIOUR["placeholders"][name])
        expect(dialog.get_by_label("API Token", exact=True)).to_have_attribute("type", "password")
        for default_label in ("Host", "Login", "Password", "Port", "Schema", "Extra"):
            expect(dialog.get_by_label(default_label, exact=True)).to_have_count(0)

        _fill_standard_fields(dialog, emulator.url, TOKEN)
        expect(dialog.get_by_label("API Token", exact=True)).to_have_attribute("type", "password")
        dialog.screenshot(path=screenshot_dir / "connection-form.png")
        if os.environ.get("SIGNALWIRE_UPDATE_DOCS_SCREENSHOT") == "1":
            shutil.copyfile(screenshot_dir / "connection-form.png", DOCS_SCREENSHOT)

        # Extra fields: labels and descriptions from conn-fields; fill them.
        dialog.get_by_role("button", name="Extra Fields", exact=True).click()
        for name, declared in DECLARED["conn-fields"].items():
            field = _field(dialog, declared["label"])
            expect(field).to_be_visible()
            expect(field).to_contain_text(declared["description"])
            box = field.get_by_role("spinbutton").or_(field.get_by_role("textbox"))
            box.fill(EXTRA_VALUES[name])
        if airflow_api.at_least(3, 2):  # typed by conn-fields' schema; 3.1 has text fields
            expect(
                _field(dialog, "Read timeout (seconds)").get_by_role("spinbutton")
            ).to_be_visible()
            expect(_field(dialog, "Verify TLS").get_by_role("textbox")).to_be_visible()
        dialog.screenshot(path=screenshot_dir / "connection-form-extra.png")

        row = _save(page, dialog, connection_id)
        expect(row).to_contain_text(emulator.url)

        result = _press_test(page, row)
        toast = _toast(page, "Test Connection Successful")
        expect(toast).to_be_visible()
        page.screenshot(path=screenshot_dir / "connection-test-success.png")
        assert result["status"] is True, result
        expected = f"Connected to {emulator.url} as project {PROJECT_ID}"
        assert result["message"].startswith(expected), result
        expect(toast).to_contain_text(expected)
        assert TOKEN not in page.content()

        # What was stored, through the REST API.
        stored = airflow_api.client.get(f"/api/v2/connections/{connection_id}")
        assert stored.status_code == 200, stored.text
        conn = stored.json()
        assert conn["conn_type"] == "signalwire"
        assert conn["host"] == emulator.url
        assert conn["login"] == PROJECT_ID
        assert conn["port"] is None
        assert conn["schema"] in (None, "")
        assert conn["password"] != TOKEN
        assert TOKEN not in stored.text
        stored_extra = json.loads(conn["extra"])
        if airflow_api.at_least(3, 2):  # number fields
            assert stored_extra == {**EXTRA_VALUES, "timeout": 15, "connect_timeout": 5}
        else:  # Airflow 3.1: text fields, which the hook parses
            assert stored_extra == EXTRA_VALUES
    finally:
        _delete_connection(airflow_api, connection_id)


def test_signalwire_form_wrong_token_fails_without_echoing_it(
    page: Any, airflow_api: AirflowApi, emulator: SignalWireEmulator, screenshot_dir: Path
) -> None:
    expect = _expect()
    connection_id = "signalwire_ui_wrong_token"
    try:
        dialog = _add_signalwire_form(page, connection_id)
        _fill_standard_fields(dialog, emulator.url, WRONG_TOKEN)
        row = _save(page, dialog, connection_id)

        result = _press_test(page, row)
        toast = _toast(page, "Test Connection Failed")
        expect(toast).to_be_visible()
        page.screenshot(path=screenshot_dir / "connection-test-failure.png")
        assert result["status"] is False, result
        assert "401" in result["message"], result
        expect(toast).to_contain_text("401")
        expect(toast).to_contain_text("Authentication failed")
        assert WRONG_TOKEN not in json.dumps(result)
        assert WRONG_TOKEN not in page.content()
        assert WRONG_TOKEN not in page.locator("body").inner_text()

        stored = airflow_api.client.get(f"/api/v2/connections/{connection_id}")
        assert stored.status_code == 200, stored.text
        assert WRONG_TOKEN not in stored.text
    finally:
        _delete_connection(airflow_api, connection_id)
