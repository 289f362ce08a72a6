"""
The connection form and the Test button as the Airflow UI sees them, through the real API server.

No browser, so not marked ``browser`` (but ``integration``: they run a real Airflow). They call
the two endpoints the UI calls, ``GET /ui/connections/hook_meta`` (the form) and
``POST /api/v2/connections/test`` (the Test button), with the emulator as SignalWire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.get_provider_info import get_provider_info

if TYPE_CHECKING:
    from airflow_api_server import AirflowApi

    from airflow_provider_signalwire.testing import SignalWireEmulator

pytestmark = pytest.mark.integration

WRONG_TOKEN = "sw-wrong-token-LEAKCHECK-77e1c0a9"

DECLARED = get_provider_info()["connection-types"][0]
BEHAVIOUR = DECLARED["ui-field-behaviour"]


def _signalwire_meta(api: AirflowApi) -> dict[str, Any]:
    response = api.client.get("/ui/connections/hook_meta")
    assert response.status_code == 200, response.text
    metas = [m for m in response.json() if m["connection_type"] == "signalwire"]
    assert len(metas) == 1, [m["connection_type"] for m in response.json()]
    return metas[0]


def _test_body(url: str, token: str, connection_id: str = "signalwire_api_check") -> dict[str, Any]:
    return {
        "connection_id": connection_id,
        "conn_type": "signalwire",
        "host": url,
        "login": PROJECT_ID,
        "password": token,
        "extra": '{"timeout": 5, "connect_timeout": 2}',
    }


def test_hook_meta_lists_signalwire(airflow_api: AirflowApi) -> None:
    meta = _signalwire_meta(airflow_api)
    assert meta["hook_name"] == "SignalWire"
    assert meta["hook_class_name"] == DECLARED["hook-class-name"]


def test_hook_meta_relabels_the_standard_fields(airflow_api: AirflowApi) -> None:
    fields = _signalwire_meta(airflow_api)["standard_fields"]
    for name in ("host", "login", "password"):
        assert fields[name] == {
            "hidden": False,
            "title": BEHAVIOUR["relabeling"][name],
            "placeholder": BEHAVIOUR["placeholders"][name],
        }, name
    assert fields["host"]["title"] == "Space URL"
    assert fields["login"]["title"] == "Project ID"
    assert fields["password"]["title"] == "API Token"
    # hidden-fields "schema" and "port" (the UI's url_schema is the connection's schema)
    assert fields["url_schema"]["hidden"] is True
    assert fields["port"]["hidden"] is True
    # "extra" is declared hidden too, but hook_meta has no entry for it: Airflow 3's form always
    # shows its "Extra Fields JSON" editor. The "description" placeholder is declared as well,
    # but Airflow namespaces it as an extra field (extra__signalwire__description), so the
    # Description field comes without a placeholder.
    assert "extra" not in fields


def test_hook_meta_lists_the_extra_fields(airflow_api: AirflowApi) -> None:
    extra = _signalwire_meta(airflow_api)["extra_fields"]
    assert set(extra) == set(DECLARED["conn-fields"])
    assert set(extra) == {"timeout", "connect_timeout", "verify", "from_number"}
    for name, declared in DECLARED["conn-fields"].items():
        field = extra[name]
        assert field["schema"]["title"] == declared["label"], name
        assert field["description"] == declared["description"], name
        assert field["value"] is None, name
        if airflow_api.at_least(3, 2):  # the form comes from conn-fields
            assert field["schema"]["type"] == declared["schema"]["type"], name
        else:  # Airflow 3.1: from the hook's get_connection_form_widgets (text fields)
            assert field["schema"]["type"] == ["string", "null"], name
    assert extra["timeout"]["schema"]["title"] == "Read timeout (seconds)"
    assert extra["connect_timeout"]["schema"]["title"] == "Connect timeout (seconds)"
    assert extra["verify"]["schema"]["title"] == "Verify TLS"
    assert extra["from_number"]["schema"]["title"] == "Default From number"
    if airflow_api.at_least(3, 2):
        assert extra["timeout"]["schema"]["minimum"] == 0.1
        assert extra["timeout"]["schema"]["maximum"] == 3600


def test_test_button_succeeds_with_the_emulator(
    airflow_api: AirflowApi, emulator: SignalWireEmulator
) -> None:
    response = airflow_api.client.post(
        "/api/v2/connections/test", json=_test_body(emulator.url, TOKEN)
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] is True, result
    assert result["message"].startswith(f"Connected to {emulator.url} as project {PROJECT_ID}")
    assert TOKEN not in response.text


def test_test_button_fails_clearly_with_a_wrong_token(
    airflow_api: AirflowApi, emulator: SignalWireEmulator
) -> None:
    response = airflow_api.client.post(
        "/api/v2/connections/test", json=_test_body(emulator.url, WRONG_TOKEN)
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] is False, result
    assert "401" in result["message"], result
    assert WRONG_TOKEN not in response.text
    assert TOKEN not in response.text
    # Nor in the server's own log.
    assert WRONG_TOKEN not in airflow_api.log_tail(10_000)


def test_api_needs_a_bearer_token_only_on_older_airflow(airflow_api: AirflowApi) -> None:
    """Record what all-admins simple auth asks of REST clients (the fixture sends a token)."""
    anonymous = httpx.get(f"{airflow_api.base_url}/ui/connections/hook_meta", timeout=30)
    # 3.3 answers anonymous callers as admins; 3.1 wants a token (GET /auth/token gives one).
    assert anonymous.status_code in (200, 401), anonymous.text
    token = httpx.get(f"{airflow_api.base_url}/auth/token", timeout=30)
    assert token.status_code in (200, 201), token.text
    authed = httpx.get(
        f"{airflow_api.base_url}/ui/connections/hook_meta",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=30,
    )
    assert authed.status_code == 200, authed.text


def test_test_button_of_a_saved_connection_as_the_ui_sends_it(
    airflow_api: AirflowApi, emulator: SignalWireEmulator, request: pytest.FixtureRequest
) -> None:
    if airflow_api.at_least(3, 3):
        request.applymarker(
            pytest.mark.xfail(
                reason="Airflow 3.3 before apache/airflow#73298: the list's Test button sends "
                "port 0 for a connection without a port, and the API answers 400 (the browser "
                "test works around it; XPASS means this Airflow is fixed)",
                strict=False,
            )
        )
    connection_id = "signalwire_saved_for_ui_body"
    created = airflow_api.client.post(
        "/api/v2/connections",
        json=_test_body(emulator.url, TOKEN, connection_id),
    )
    assert created.status_code == 201, created.text
    try:
        # Exactly what the connections list's Test button posts (Airflow 3.3.2 UI).
        ui_body = {
            **_test_body(emulator.url, "***", connection_id),
            "description": "",
            "schema": "",
            "port": 0,
        }
        response = airflow_api.client.post("/api/v2/connections/test", json=ui_body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] is True, response.text
    finally:
        airflow_api.client.delete(f"/api/v2/connections/{connection_id}")
