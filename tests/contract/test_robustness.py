"""
Arbitrary requests (Hypothesis): any method, path, query and body, well-formed or not.

The emulator never answers 5xx, never HTML, and every error body is SignalWire's error object
(or, for the 422 of stream and recording writes, its array of strings).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from contract_schemas import ERROR_OBJECT, ERROR_STRINGS, errors_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signalwire_test_support import PROJECT_ID, TOKEN

if TYPE_CHECKING:
    from contract_support import Api

_SEGMENTS = st.one_of(
    st.sampled_from(
        ["Conferences", "Participants", "Recordings", "Streams", "<conference>", "<stream>",
         "<participant>", "<recording>", "demo-stream", ".json", "", "..", "Messages", "_emulator"]
    ),
    st.text(max_size=8),
)  # fmt: skip
_METHODS = st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "TRACE"])
_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "",
        "application/json;x",
    ]
)


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=_METHODS,
    segments=st.lists(_SEGMENTS, max_size=5),
    query=st.text(max_size=30),
    body=st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)),
    content_type=_CONTENT_TYPES,
)
def test_arbitrary_requests_get_json_and_never_5xx(
    api: Api, method: str, segments: list[str], query: str, body: bytes, content_type: str
) -> None:
    ids = api.ids()
    names = {f"<{key}>": value for key, value in ids.items()}
    path = "/".join(quote(names.get(s, s), safe="") for s in ["Conferences", *segments])
    url = f"{api.emu.url}{api.emu.base_path}/{path}?{quote(query, safe='=&')}"
    answer = api.session.request(
        method, url, data=body, headers={"Content-Type": content_type},
        auth=(PROJECT_ID, TOKEN), timeout=10,
    )  # fmt: skip
    assert answer.status_code < 500, answer.text
    if answer.status_code < 400 or method == "HEAD":
        return
    assert answer.headers["Content-Type"].startswith("application/json")
    document = json.loads(answer.content)
    shapes = [errors_of(ERROR_OBJECT, document), errors_of(ERROR_STRINGS, document)]
    assert [] in shapes, shapes
