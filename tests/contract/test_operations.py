"""
Every documented answer of every operation, produced on the emulator and checked against the
schemas: status, shape, and (for writes) that the change took effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from contract_operations import OPERATIONS, PATH_METHODS, Operation
from contract_support import UNKNOWN_SID, Api, violations
from signalwire_test_support import PROJECT_ID

from airflow_provider_signalwire.testing import Fault

BAD_AUTH = (PROJECT_ID, "not-the-token")
BAD_JSON = ("application/json", b"{not json")


def _fault_503(api: Api) -> dict[str, Any]:
    api.emu.add_fault(Fault(status=503, retry_after="1"))
    return {}


def _completed_recording(api: Api) -> dict[str, Any]:
    sid = api.emu.add_recording(api.ids()["conference"], status="completed")["sid"]
    return {"ids": {"recording": sid}, "form": {"Status": "paused"}}


Setup = Callable[[Api], dict[str, Any]]


def _fixed(**request: Any) -> Setup:
    return lambda api: request


#: (operation, expected status, what the request is, how to make it).
CASES: list[tuple[str, int, str, Setup]] = [
    ("list_all_conferences", 200, "all", _fixed()),
    ("list_all_conferences", 200, "filtered, paged, with a PageToken",
     _fixed(query={"Status": "in-progress", "PageSize": 1, "Page": 0, "PageToken": "PA0"})),
    ("list_all_conferences", 200, "by date and name",
     _fixed(query={"DateCreated>": "2000-01-01", "FriendlyName": "demo-conference"})),
    ("list_all_conferences", 400, "PageSize 0", _fixed(query={"PageSize": 0})),
    ("list_all_conferences", 400, "PageSize 1001", _fixed(query={"PageSize": 1001})),
    ("list_all_conferences", 400, "Page -1", _fixed(query={"Page": -1})),
    ("list_all_conferences", 400, "PageToken not PA/PB", _fixed(query={"PageToken": "XY1"})),
    ("list_all_conferences", 400, "Status outside the enum", _fixed(query={"Status": "live"})),
    ("list_all_conferences", 400, "DateCreated not a date", _fixed(query={"DateCreated": "x"})),
    ("list_all_conferences", 400, "FriendlyName over 64", _fixed(query={"FriendlyName": "n" * 65})),
    ("list_all_conferences", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("list_all_conferences", 401, "no credentials", _fixed(auth=None)),
    ("retrieve_conference", 200, "seeded", _fixed()),
    ("retrieve_conference", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("retrieve_conference", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("retrieve_conference", 404, "unknown", _fixed(ids={"conference": UNKNOWN_SID})),
    ("update_conference", 200, "end it", _fixed(form={"Status": "completed"})),
    ("update_conference", 200, "announce, as JSON",
     _fixed(json_body={"AnnounceUrl": "https://example.test/a.xml", "AnnounceMethod": "GET"})),
    ("update_conference", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("update_conference", 401, "wrong token", _fixed(auth=BAD_AUTH, form={"Status": "completed"})),
    ("update_conference", 404, "unknown",
     _fixed(ids={"conference": UNKNOWN_SID}, form={"Status": "completed"})),
    ("update_conference", 422, "Status in-progress", _fixed(form={"Status": "in-progress"})),
    ("update_conference", 422, "AnnounceMethod PUT", _fixed(form={"AnnounceMethod": "PUT"})),
    ("update_conference", 422, "a field the spec lacks", _fixed(form={"FriendlyName": "x"})),
    ("update_conference", 503, "server fault", _fault_503),
    ("list_all_participants", 200, "all", _fixed()),
    ("list_all_participants", 200, "muted only", _fixed(query={"Muted": "true"})),
    ("list_all_participants", 400, "Hold not a boolean", _fixed(query={"Hold": "maybe"})),
    ("list_all_participants", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("list_all_participants", 404, "unknown conference",
     _fixed(ids={"conference": UNKNOWN_SID})),
    ("retrieve_participant", 200, "seeded", _fixed()),
    ("retrieve_participant", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("retrieve_participant", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("retrieve_participant", 404, "unknown", _fixed(ids={"participant": UNKNOWN_SID})),
    ("update_participant", 200, "mute and hold",
     _fixed(form={"Muted": "true", "Hold": "true", "HoldMethod": "GET"})),
    ("update_participant", 200, "unmute, as JSON", _fixed(json_body={"Muted": False})),
    ("update_participant", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("update_participant", 401, "wrong token", _fixed(auth=BAD_AUTH, form={"Muted": "true"})),
    ("update_participant", 404, "unknown",
     _fixed(ids={"participant": UNKNOWN_SID}, form={"Muted": "true"})),
    ("update_participant", 422, "Muted not a boolean", _fixed(form={"Muted": "maybe"})),
    ("update_participant", 422, "WaitMethod PUT", _fixed(form={"WaitMethod": "PUT"})),
    ("update_participant", 422, "BeepOnExit (not in the spec)", _fixed(form={"BeepOnExit": "true"})),
    ("update_participant", 422, "CallSidToCoach not a UUID",
     _fixed(form={"CallSidToCoach": "CA123"})),
    ("delete_participant", 204, "seeded", _fixed()),
    ("delete_participant", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("delete_participant", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("delete_participant", 404, "unknown", _fixed(ids={"participant": UNKNOWN_SID})),
    ("list_conference_recordings", 200, "all", _fixed()),
    ("list_conference_recordings", 200, "created after", _fixed(query={"DateCreated>": "2000-01-01"})),
    ("list_conference_recordings", 400, "PageSize not a number", _fixed(query={"PageSize": "ten"})),
    ("list_conference_recordings", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("list_conference_recordings", 404, "unknown conference",
     _fixed(ids={"conference": UNKNOWN_SID})),
    ("get_conference_recording", 200, "seeded", _fixed()),
    ("get_conference_recording", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("get_conference_recording", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("get_conference_recording", 404, "unknown", _fixed(ids={"recording": UNKNOWN_SID})),
    ("update_conference_recording", 200, "pause, skipping",
     _fixed(form={"Status": "paused", "PauseBehavior": "skip"})),
    ("update_conference_recording", 200, "stop, as JSON", _fixed(json_body={"Status": "stopped"})),
    ("update_conference_recording", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("update_conference_recording", 401, "wrong token",
     _fixed(auth=BAD_AUTH, form={"Status": "paused"})),
    ("update_conference_recording", 404, "unknown",
     _fixed(ids={"recording": UNKNOWN_SID}, form={"Status": "paused"})),
    ("update_conference_recording", 422, "Status missing", _fixed(form={})),
    ("update_conference_recording", 422, "Status completed", _fixed(form={"Status": "completed"})),
    ("update_conference_recording", 422, "PauseBehavior outside the enum",
     _fixed(form={"Status": "paused", "PauseBehavior": "drop"})),
    ("update_conference_recording", 422, "recording already completed", _completed_recording),
    ("update_conference_recording", 503, "server fault", _fault_503),
    ("delete_conference_recording", 204, "seeded", _fixed()),
    ("delete_conference_recording", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("delete_conference_recording", 401, "wrong token", _fixed(auth=BAD_AUTH)),
    ("delete_conference_recording", 404, "unknown", _fixed(ids={"recording": UNKNOWN_SID})),
    ("create_conference_stream", 200, "every field",
     _fixed(form={"Url": "wss://example.test/a", "Name": "all", "Track": "inbound_track",
                  "StatusCallback": "https://example.test/cb", "StatusCallbackMethod": "GET",
                  "StreamCodec": "PCMA", "StreamRealTime": "true",
                  "AuthorizationBearerToken": "bearer", "Parameter1.Name": "a",
                  "Parameter1.Value": "1", "Parameter99.Name": "z"})),
    ("create_conference_stream", 200, "as JSON", _fixed(json_body={"Url": "wss://example.test/j"})),
    ("create_conference_stream", 200, "empty Name (the schema allows it): unnamed",
     _fixed(form={"Url": "wss://example.test/e", "Name": ""})),
    ("create_conference_stream", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("create_conference_stream", 401, "wrong token",
     _fixed(auth=BAD_AUTH, form={"Url": "wss://example.test/a"})),
    ("create_conference_stream", 404, "unknown conference",
     _fixed(ids={"conference": UNKNOWN_SID}, form={"Url": "wss://example.test/a"})),
    ("create_conference_stream", 422, "Url missing", _fixed(form={})),
    ("create_conference_stream", 422, "ws:// Url", _fixed(form={"Url": "ws://example.test/a"})),
    ("create_conference_stream", 422, "Url with an unclosed IPv6 bracket",
     _fixed(form={"Url": "wss://[::1/a"})),
    ("create_conference_stream", 422, "Track outside the enum",
     _fixed(form={"Url": "wss://example.test/a", "Track": "left"})),
    ("create_conference_stream", 422, "Parameter100",
     _fixed(form={"Url": "wss://example.test/a", "Parameter100.Name": "n"})),
    ("create_conference_stream", 422, "active name taken",
     _fixed(form={"Url": "wss://example.test/a", "Name": "demo-stream"})),
    ("update_conference_stream", 200, "stop", _fixed(form={"Status": "stopped"})),
    ("update_conference_stream", 200, "stop by name, as JSON",
     _fixed(ids={"stream": "demo-stream"}, json_body={"Status": "stopped"})),
    ("update_conference_stream", 400, "malformed JSON body", _fixed(raw=BAD_JSON)),
    ("update_conference_stream", 401, "wrong token",
     _fixed(auth=BAD_AUTH, form={"Status": "stopped"})),
    ("update_conference_stream", 404, "unknown",
     _fixed(ids={"stream": UNKNOWN_SID}, form={"Status": "stopped"})),
    ("update_conference_stream", 422, "Status missing", _fixed(form={})),
    ("update_conference_stream", 422, "Status paused", _fixed(form={"Status": "paused"})),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "status", "label", "setup"),
    CASES,
    ids=[f"{name}-{status}-{label}" for name, status, label, _ in CASES],
)
def test_documented_answer(api: Api, name: str, status: int, label: str, setup: Setup) -> None:
    op = OPERATIONS[name]
    response = api.call(op, **setup(api))
    assert response.status_code == status, response.text
    assert violations(op, response) == []


def test_every_documented_status_is_covered_or_explained() -> None:
    covered = {(name, status) for name, status, _, _ in CASES}
    documented = {(op.name, s) for op in OPERATIONS.values() for s in op.statuses}
    # The spec documents these, but nothing a client sends makes them happen on the emulator:
    # a valid list query or delete has nothing left to be unprocessable.
    unreachable = {
        ("list_all_conferences", 422),
        ("list_all_participants", 422),
        ("list_conference_recordings", 422),
        ("delete_participant", 422),
    }
    assert documented - covered == unreachable
    assert covered <= documented


WRITES_APPLIED = [
    ("update_participant", {"form": {"Muted": "true"}}, "retrieve_participant", ("muted", True)),
    ("update_participant", {"json_body": {"Hold": True}}, "retrieve_participant", ("hold", True)),
    ("update_conference", {"json_body": {"Status": "completed"}}, "retrieve_conference",
     ("status", "completed")),
    ("update_conference_recording", {"json_body": {"Status": "paused"}},
     "get_conference_recording", ("status", "paused")),
]  # fmt: skip


@pytest.mark.parametrize(("write", "request_", "read", "expected"), WRITES_APPLIED)
def test_writes_take_effect(
    api: Api, write: str, request_: dict[str, Any], read: str, expected: tuple[str, Any]
) -> None:
    assert api.call(OPERATIONS[write], **request_).status_code == 200
    field, value = expected
    assert api.call(OPERATIONS[read]).json()[field] == value


def test_stream_start_and_stop_take_effect(api: Api) -> None:
    started = api.call(OPERATIONS["create_conference_stream"], json_body={"Url": "wss://e.test/x"})
    sid = started.json()["sid"]
    conference = api.ids()["conference"]
    assert api.emu.get_stream(conference, sid)["status"] == "in-progress"  # type: ignore[index]
    stop = OPERATIONS["update_conference_stream"]
    assert api.call(stop, ids={"stream": sid}, json_body={"Status": "stopped"}).status_code == 200
    assert api.emu.stop_counts[sid] == 1


def test_deletes_take_effect(api: Api) -> None:
    for delete, read in (
        ("delete_participant", "retrieve_participant"),
        ("delete_conference_recording", "get_conference_recording"),
    ):
        assert api.call(OPERATIONS[delete]).status_code == 204
        assert api.call(OPERATIONS[read]).status_code == 404


def _other_methods(path: str) -> list[tuple[str, str]]:
    others = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD")
    return [(path, m) for m in others if m not in PATH_METHODS[path]]


METHOD_CASES = [case for path in PATH_METHODS for case in _other_methods(path)]


@pytest.mark.parametrize(("path", "method"), METHOD_CASES)
def test_other_methods_get_405_with_allow(api: Api, path: str, method: str) -> None:
    response = api.session.request(
        method, api.url(path), auth=(api.emu.project_id, api.emu.token), timeout=10
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == ", ".join(PATH_METHODS[path])
    if method == "HEAD":
        assert response.content == b""
        return
    op = next(o for o in OPERATIONS.values() if o.path == path)
    assert violations(op, response) == []


POST_OPERATIONS = [op for op in OPERATIONS.values() if op.method == "POST"]


@pytest.mark.parametrize("op", POST_OPERATIONS, ids=[op.name for op in POST_OPERATIONS])
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_other_body_types_get_415(api: Api, op: Operation, content_type: str) -> None:
    before = api.emu.state()
    response = api.call(op, raw=(content_type, b"Status=stopped"))
    assert response.status_code == 415
    assert violations(op, response) == []
    assert api.emu.state() == before  # nothing applied
