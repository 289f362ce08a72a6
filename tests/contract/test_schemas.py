"""
The schemas themselves: valid draft 2020-12, and strict enough to catch what the spec forbids.

Also the two objects other resources build on: a message (``POST /Messages``) and a recording
under ``/Recordings/{Sid}``, checked against the emulator.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
from contract_schemas import (
    ALL,
    CONFERENCE,
    ERROR_STRINGS,
    MESSAGE,
    PARTICIPANT,
    RECORDING,
    errors_of,
)
from jsonschema import Draft202012Validator
from signalwire_test_support import PROJECT_ID, TOKEN

if TYPE_CHECKING:
    from contract_support import Api

    from airflow_provider_signalwire.testing import SignalWireEmulator


@pytest.mark.parametrize("name", sorted(ALL))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(ALL[name])


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda c: c.update(start=0), "Unevaluated properties"),
        (lambda c: c.pop("region"), "'region' is a required property"),
        (lambda c: c.update(status="active"), "is not one of"),
        (lambda c: c.update(sid="CF123"), "is not a 'uuid'"),
        (lambda c: c["subresource_uris"].update(streams="/x"), "Unevaluated properties"),
        (lambda c: c.update(friendly_name=None), "is not of type 'string'"),
    ],
)
def test_conference_schema_refuses_what_the_spec_forbids(
    api: Api, change: Any, complaint: str
) -> None:
    conference = api.emu.add_conference("probe")
    assert errors_of(CONFERENCE, conference) == []
    broken = copy.deepcopy(conference)
    change(broken)
    assert any(complaint in problem for problem in errors_of(CONFERENCE, broken))


def test_participant_schema_refuses_old_emulator_answers(api: Api) -> None:
    participant = api.emu.add_participant(api.ids()["conference"])
    assert errors_of(PARTICIPANT, participant) == []
    old = {k: v for k, v in participant.items() if k != "start_conference_on_enter"}
    old["status"] = "connected"
    problems = errors_of(PARTICIPANT, old)
    assert any("start_conference_on_enter" in p for p in problems)
    assert any("'connected' is not one of" in p for p in problems)


def test_error_strings_schema_refuses_objects_in_the_list() -> None:
    assert errors_of(ERROR_STRINGS, {"errors": ["Url is required"]}) == []
    assert errors_of(ERROR_STRINGS, {"errors": [{"code": "x"}]}) != []


def test_message_answer_matches_the_message_schema(api: Api) -> None:
    answer = api.session.post(
        f"{api.emu.url}{api.emu.base_path}/Messages.json",
        data={"To": "+15551230001", "From": "+15551230002", "Body": "contract"},
        auth=(PROJECT_ID, TOKEN),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    assert errors_of(MESSAGE, answer.json()) == []
    assert errors_of(MESSAGE, {**answer.json(), "price": "0.01"}) != []  # a number, not text


def test_account_recording_answer_matches_the_recording_schema(api: Api) -> None:
    emu: SignalWireEmulator = api.emu
    recording = emu.add_recording(api.ids()["conference"], status="completed")
    answer = api.session.get(
        f"{emu.url}{emu.base_path}/Recordings/{recording['sid']}.json",
        auth=(PROJECT_ID, TOKEN),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert errors_of(RECORDING, answer.json()) == []
    assert errors_of(RECORDING, {**answer.json(), "channels": 1}) != []  # "1", not 1
