"""
A property-based run over the 13 operations (Hypothesis): random path SIDs, queries, bodies,
body encodings and credentials, valid and not.

Whatever is sent, the answer is a status the operation documents (or 405/415), never a 5xx,
and its body matches the schema for that status; a write answered 200 or 204 took effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract_operations import OPERATIONS, Operation
from contract_support import UNKNOWN_SID, violations
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from signalwire_test_support import PROJECT_ID

if TYPE_CHECKING:
    import requests
    from contract_support import Api

EXAMPLES = 500

_BOOLEANS = st.sampled_from(["true", "false", "True", "FALSE", "yes", "1", ""])
_METHODS = st.sampled_from(["GET", "POST", "get", "PUT", ""])
_URIS = st.sampled_from(["https://example.test/x.xml", "relative/path", "", "https://"])
_TEXT = st.text(max_size=12)

#: Body fields per write operation, with values valid and not; plus fields no operation has.
_FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "update_conference": {
        "Status": st.sampled_from(["completed", "in-progress", "init", ""]),
        "AnnounceUrl": _URIS,
        "AnnounceMethod": _METHODS,
    },
    "update_participant": {
        "Muted": _BOOLEANS, "Hold": _BOOLEANS, "Coaching": _BOOLEANS,
        "CallSidToCoach": st.sampled_from(["<participant1>", "CA1", UNKNOWN_SID]),
        "HoldUrl": _URIS, "HoldMethod": _METHODS, "AnnounceUrl": _URIS,
        "AnnounceMethod": _METHODS, "WaitUrl": _URIS, "WaitMethod": _METHODS,
    },
    "update_conference_recording": {
        "Status": st.sampled_from(["paused", "in-progress", "stopped", "completed", "resumed"]),
        "PauseBehavior": st.sampled_from(["skip", "silence", "mute"]),
    },
    "create_conference_stream": {
        "Url": st.sampled_from(
            ["wss://example.test/a", "ws://example.test/a", "wss://", "x", "wss://[::1"]
        ),
        "Name": st.sampled_from(["n1", "demo-stream", "standup-audio", ""]),
        "Track": st.sampled_from(["inbound_track", "outbound_track", "both_tracks", "left"]),
        "StatusCallback": _URIS, "StatusCallbackMethod": _METHODS,
        "StreamCodec": st.sampled_from(["PCMU", "PCMA", "L16", "L16@16000h", "MP3"]),
        "StreamRealTime": _BOOLEANS, "AuthorizationBearerToken": _TEXT,
        "Parameter1.Name": _TEXT, "Parameter1.Value": _TEXT, "Parameter2.Value": _TEXT,
        "Parameter100.Name": _TEXT,
    },
    "update_conference_stream": {"Status": st.sampled_from(["stopped", "paused", "STOPPED"])},
}  # fmt: skip
#: Fields no operation defines (``BeepOnExit`` and ``EndConferenceOnExit``: not Update Participant's).
_JUNK_FIELDS = {
    "BeepOnExit": _BOOLEANS, "EndConferenceOnExit": _BOOLEANS, "Foo": _TEXT,
    "status": st.just("stopped"),
}  # fmt: skip
#: Bodies every operation accepts: the run also tries many requests that should succeed.
_VALID: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "update_conference": st.fixed_dictionaries(
        {}, optional={"Status": st.just("completed"), "AnnounceMethod": st.sampled_from(["GET", "POST"]),
                      "AnnounceUrl": st.just("https://example.test/a.xml")}),
    "update_participant": st.fixed_dictionaries(
        {"Muted": st.sampled_from(["true", "false"])},
        optional={"Hold": st.sampled_from(["true", "false"]), "WaitMethod": st.just("GET"),
                  "HoldUrl": st.just("https://example.test/h.xml")}),
    "update_conference_recording": st.fixed_dictionaries(
        {"Status": st.sampled_from(["paused", "in-progress", "stopped"])},
        optional={"PauseBehavior": st.sampled_from(["skip", "silence"])}),
    "create_conference_stream": st.fixed_dictionaries(
        {"Url": st.just("wss://example.test/a")},
        optional={"Name": st.sampled_from(["n1", "n2"]),
                  "Track": st.sampled_from(["inbound_track", "outbound_track", "both_tracks"]),
                  "StreamCodec": st.sampled_from(["PCMU", "L16@24000h"]),
                  "StreamRealTime": st.sampled_from(["true", "false"]),
                  "Parameter1.Name": st.just("k"), "Parameter1.Value": _TEXT}),
    "update_conference_stream": st.just({"Status": "stopped"}),
}  # fmt: skip
_QUERY: dict[str, st.SearchStrategy[Any]] = {
    "Page": st.one_of(st.integers(-2, 4), st.sampled_from(["x", "", "99999999999"])),
    "PageSize": st.one_of(st.integers(-1, 1002), st.sampled_from(["x", ""])),
    "PageToken": st.sampled_from(["PA1", "PB0", "PA", "XY1", ""]),
    "Status": st.sampled_from(["init", "in-progress", "completed", "live", ""]),
    "FriendlyName": st.sampled_from(["demo-conference", "n" * 64, "n" * 65, ""]),
    "DateCreated": st.sampled_from(["2026-01-01", "2099-12-31", "yesterday", "2026-13-01"]),
    "DateCreated>": st.sampled_from(["2000-01-01", "x"]),
    "DateUpdated<": st.sampled_from(["2100-01-01", "1/1/2026"]),
    "Muted": _BOOLEANS,
    "Hold": _BOOLEANS,
    "Unknown": _TEXT,
}
_SIDS = {
    "conference": ["<conference0>", "<conference1>", "<conference2>", UNKNOWN_SID, "x y"],
    "participant": ["<participant0>", "<participant1>", UNKNOWN_SID],
    "recording": ["<recording0>", UNKNOWN_SID],
    "stream": ["<stream0>", "<stream1>", "<stream2>", "demo-stream", UNKNOWN_SID],
}


@st.composite
def requests_of(draw: st.DrawFn) -> tuple[Operation, dict[str, Any]]:
    op = draw(st.sampled_from(sorted(OPERATIONS.values(), key=lambda o: o.name)))
    ids = {key: draw(st.sampled_from(values)) for key, values in _SIDS.items()}
    request: dict[str, Any] = {"ids": ids}
    if op.method == "GET" and op.path.endswith(("Conferences", "Participants", "Recordings")):
        names = draw(st.lists(st.sampled_from(sorted(_QUERY)), max_size=4, unique=True))
        request["query"] = {name: draw(_QUERY[name]) for name in names}
    if op.name in _FIELDS and draw(st.booleans()):
        request["ids"] = {key: values[0] for key, values in _SIDS.items()}
        body = draw(_VALID[op.name])
        if draw(st.booleans()):
            request["form"] = body
        else:
            request["json_body"] = {k: _as_json(v) for k, v in body.items()}
    elif op.name in _FIELDS:
        fields = _FIELDS[op.name]
        names = draw(st.lists(st.sampled_from(list(fields)), max_size=5, unique=True))
        body = {name: draw(fields[name]) for name in names}
        if draw(st.booleans()):
            junk = draw(st.sampled_from(sorted(_JUNK_FIELDS)))
            body[junk] = draw(_JUNK_FIELDS[junk])
        encoding = draw(st.sampled_from(["form", "json", "text/plain"]))
        if encoding == "json":
            request["json_body"] = {k: _as_json(v) for k, v in body.items()}
        elif encoding == "form":
            request["form"] = body
        elif body:
            request["raw"] = ("text/plain", "&".join(f"{k}={v}" for k, v in body.items()).encode())
    credentials = draw(st.sampled_from(["good", "good", "good", "none", "wrong"]))
    if credentials != "good":
        request["auth"] = None if credentials == "none" else (PROJECT_ID, "wrong-token")
    return op, request


def _as_json(value: Any) -> Any:
    """Send booleans and numbers as JSON types, as the official SDKs do."""
    if value in ("true", "false"):
        return value == "true"
    return value


def _resolve(api: Api, ids: dict[str, str]) -> dict[str, str]:
    seeded = {
        f"<{kind}{i}>": sid
        for kind, key in (
            ("conference", "conferences"), ("participant", "participants"),
            ("recording", "recordings"), ("stream", "streams"),
        )
        for i, sid in enumerate(api.emu.conference_sids if key == "conferences"
                                else _seeded(api)[key])
    }  # fmt: skip
    return {key: seeded.get(value, value) for key, value in ids.items()}


def _seeded(api: Api) -> dict[str, list[str]]:
    from airflow_provider_signalwire.testing import seeded_sids

    return seeded_sids(api.emu.seed)


def _took_effect(
    api: Api, op: Operation, request: dict[str, Any], answer: requests.Response
) -> None:
    """Check that an accepted write changed what a read sees."""
    sent = request.get("json_body") or request.get("form") or {}
    ids = request["ids"]
    if op.success == 204:
        read = OPERATIONS[op.name.replace("delete_", "retrieve_").replace(
            "retrieve_conference_recording", "get_conference_recording")]  # fmt: skip
        assert api.call(read, ids=ids).status_code == 404
        return
    body = answer.json()
    if op.name == "update_participant":
        for field, key in (("Muted", "muted"), ("Hold", "hold"), ("Coaching", "coaching")):
            if field in sent:
                assert body[key] is (str(sent[field]).lower() == "true")
                read = api.call(OPERATIONS["retrieve_participant"], ids=ids).json()
                assert read[key] == body[key]
    elif op.name == "update_conference" and sent.get("Status") == "completed":
        assert api.call(OPERATIONS["retrieve_conference"], ids=ids).json()["status"] == "completed"
    elif op.name == "update_conference_recording":
        read = api.call(OPERATIONS["get_conference_recording"], ids=ids).json()
        assert read["status"] == sent["Status"] == body["status"]
    elif op.name == "update_conference_stream":
        assert body["status"] == "stopped"
        stream = api.emu.get_stream(ids["conference"], body["sid"])
        assert stream is not None and stream["status"] == "stopped"
    elif op.name == "create_conference_stream":
        stream = api.emu.get_stream(ids["conference"], body["sid"])
        assert stream is not None and stream["status"] == "in-progress"
        assert stream["_options"]["Url"] == sent["Url"]


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests_of())
def test_any_request_gets_a_documented_well_formed_answer(
    api: Api, case: tuple[Operation, dict[str, Any]]
) -> None:
    op, request = case
    api.emu.reset()
    request = {**request, "ids": _resolve(api, request["ids"])}
    answer = api.call(op, **request)
    event(f"{op.name} {answer.status_code}")
    assert answer.status_code < 500
    assert violations(op, answer) == []
    if "raw" in request and request.get("auth", True) is not None and answer.status_code != 401:
        assert answer.status_code == 415
    if answer.status_code in (200, 204) and op.method != "GET":
        _took_effect(api, op, request, answer)
