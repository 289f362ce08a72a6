"""The emulator's Messages resource: ``POST /Messages`` answers as the Compatibility API does."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests

from airflow_provider_signalwire.testing import Fault
from airflow_provider_signalwire.testing.responses import MORE_INFO

if TYPE_CHECKING:
    from conftest import Api

ALICE, SENDER = "+15550100001", "+15550100999"
SERVICE_SID = "4d2c8f9e-0b1a-4c3d-9e8f-7a6b5c4d3e2f"
#: The message object's fields and their JSON types, from the API specification's ``Message``.
MESSAGE_FIELDS: dict[str, tuple[type, ...]] = {
    "account_sid": (str,),
    "api_version": (str,),
    "body": (str, type(None)),
    "num_segments": (int,),
    "num_media": (int,),
    "date_created": (str,),
    "date_sent": (str, type(None)),
    "date_updated": (str,),
    "direction": (str,),
    "error_code": (str, type(None)),
    "error_message": (str, type(None)),
    "from": (str,),
    "price": (float, type(None)),
    "price_unit": (str,),
    "sid": (str,),
    "status": (str,),
    "to": (str,),
    "messaging_service_sid": (str, type(None)),
    "uri": (str,),
    "subresource_uris": (dict,),
}


def messages_url(api: Api) -> str:
    return f"{api.base}/Messages"


def send(api: Api, **form: Any) -> requests.Response:
    return api.post(messages_url(api), data=form)


class TestSend:
    def test_answers_201_with_the_message_object(self, api: Api) -> None:
        response = send(api, To=ALICE, From=SENDER, Body="disk full")

        assert response.status_code == 201
        message = response.json()
        assert set(message) == set(MESSAGE_FIELDS)
        for name, types in MESSAGE_FIELDS.items():
            assert isinstance(message[name], types), name
        assert (message["to"], message["from"], message["body"]) == (ALICE, SENDER, "disk full")
        assert (message["status"], message["direction"]) == ("queued", "outbound-api")
        assert (message["num_segments"], message["num_media"]) == (1, 0)
        assert message["account_sid"] == api.emu.project_id
        assert message["messaging_service_sid"] is None
        uuid.UUID(message["sid"])
        assert message["uri"] == f"{api.emu.base_path}/Messages/{message['sid']}.json"
        assert message["subresource_uris"] == {
            "media": f"{api.emu.base_path}/Messages/{message['sid']}/Media.json"
        }
        assert api.emu.messages == [message]

    def test_json_suffix_and_every_message_recorded_in_order(self, api: Api) -> None:
        first = send(api, To=ALICE, From=SENDER, Body="one").json()
        second = api.post(
            f"{messages_url(api)}.json", data={"To": SENDER, "From": ALICE, "Body": "two"}
        )

        assert second.status_code == 201
        assert [m["sid"] for m in api.emu.messages] == [first["sid"], second.json()["sid"]]

    def test_media_without_body(self, api: Api) -> None:
        media = ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"]
        message = send(api, To=ALICE, From=SENDER, MediaUrl=media).json()

        assert (message["body"], message["num_media"]) == (None, 2)

    def test_a_messaging_service_instead_of_a_from_number(self, api: Api) -> None:
        message = send(api, To=ALICE, MessagingServiceSid=SERVICE_SID, Body="x").json()

        assert message["messaging_service_sid"] == SERVICE_SID
        assert message["from"] == ""

    @pytest.mark.parametrize(
        ("body", "segments"),
        [("x" * 160, 1), ("x" * 161, 2), ("x" * 1600, 11), ("é" * 70, 1), ("é" * 71, 2)],
    )
    def test_counts_segments(self, api: Api, body: str, segments: int) -> None:
        assert send(api, To=ALICE, From=SENDER, Body=body).json()["num_segments"] == segments


class TestRefusals:
    @pytest.mark.parametrize(
        ("form", "status", "code"),
        [
            ({"From": SENDER, "Body": "x"}, 400, 21604),
            ({"To": "5550100001", "From": SENDER, "Body": "x"}, 400, 21211),
            ({"To": ALICE, "Body": "x"}, 400, 21603),
            ({"To": ALICE, "From": "sender", "Body": "x"}, 400, 21212),
            ({"To": ALICE, "From": SENDER}, 400, 21602),
            ({"To": ALICE, "From": SENDER, "Body": "x" * 1601}, 400, 21617),
            ({"To": ALICE, "From": SENDER, "MediaUrl": "ftp://x/a.png"}, 400, 21620),
            ({"To": ALICE, "MessagingServiceSid": "MG123", "Body": "x"}, 422, 20001),
            ({"To": ALICE, "From": SENDER, "Body": "x", "SendAsMms": "yes"}, 422, 20001),
            ({"To": ALICE, "From": SENDER, "Body": "x", "MaxPrice": "1.23456"}, 422, 20001),
            ({"To": ALICE, "From": SENDER, "Body": "x", "ValidityPeriod": "0"}, 422, 20001),
            ({"To": ALICE, "From": SENDER, "Body": "x", "StatusCallback": "cb"}, 422, 20001),
        ],
    )
    def test_invalid_messages_get_signalwires_error(
        self, api: Api, form: dict[str, str], status: int, code: int
    ) -> None:
        response = api.post(messages_url(api), data=form)

        assert response.status_code == status
        error = response.json()
        assert set(error) == {"code", "message", "more_info", "status"}
        assert (error["status"], error["code"], error["more_info"]) == (status, code, MORE_INFO)
        assert api.emu.messages == []

    def test_only_post(self, api: Api) -> None:
        response = api.get(messages_url(api))

        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"

    def test_no_deeper_path(self, api: Api) -> None:
        assert api.post(f"{messages_url(api)}/whatever", data={"To": ALICE}).status_code == 404

    def test_wrong_credentials(self, api: Api) -> None:
        response = requests.post(
            messages_url(api), data={"To": ALICE, "From": SENDER, "Body": "x"},
            auth=(api.emu.project_id, "wrong"), timeout=5,
        )  # fmt: skip

        assert response.status_code == 401
        assert api.emu.messages == []


class TestFaultsAndControl:
    def test_a_fault_answers_instead_and_sends_nothing(self, api: Api) -> None:
        api.emu.add_fault(Fault(status=503, path_contains="/Messages"))

        assert send(api, To=ALICE, From=SENDER, Body="x").status_code == 503
        assert api.emu.messages == []
        assert send(api, To=ALICE, From=SENDER, Body="x").status_code == 201

    def test_apply_then_drop_sends_but_loses_the_answer(self, api: Api) -> None:
        api.emu.add_fault(Fault(action="apply_then_drop", method="POST"))

        with pytest.raises(requests.ConnectionError):
            send(api, To=ALICE, From=SENDER, Body="x")
        assert [m["body"] for m in api.emu.messages] == ["x"]

    def test_requests_record_the_form_and_state_lists_messages(self, api: Api) -> None:
        send(api, To=ALICE, From=SENDER, Body="x", StatusCallback="https://example.com/cb")

        [request] = api.emu.requests
        assert request.form["StatusCallback"] == ["https://example.com/cb"]
        state = requests.get(f"{api.emu.url}/_emulator/state", timeout=5).json()
        assert [m["to"] for m in state["messages"]] == [ALICE]

    def test_reset_forgets_messages(self, api: Api) -> None:
        send(api, To=ALICE, From=SENDER, Body="x")

        api.emu.reset()

        assert api.emu.messages == []
