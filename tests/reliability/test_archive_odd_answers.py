"""
The recordings archive against answers no parser expects (issue 23, points 2 and 4), over loopback.

A recording whose media answer carries an odd ``Content-Length`` fails alone, with a
``SignalWire...`` error; the other recordings are archived and ``archived`` is pushed. The odd
header comes from the hostile server; everything else is the emulator's own answer, relayed.
"""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from hostile_server import Answer, Seen, hostile_server
from signalwire_test_support import PROJECT_ID, TOKEN, connection_json, every_file
from transfers.archive_test_support import execute_failing, operator

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator


def emulator_proxy(
    emu: SignalWireEmulator, odd: Callable[[Seen], Answer | None]
) -> Callable[[Seen], Answer]:
    """A handler that answers ``odd``'s answer where it has one, and the emulator's otherwise."""
    import base64

    auth = base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode()

    def handle(seen: Seen) -> Answer:
        answer = odd(seen)
        if answer is not None:
            return answer
        request = urllib.request.Request(
            emu.url + seen.raw_path, method=seen.method, headers={"Authorization": f"Basic {auth}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "application/json")
            return Answer(status=response.status, body=body, headers=[("Content-Type", kind)])

    return handle


def archive_with_odd_media(
    emulator: SignalWireEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content_length: str,
) -> tuple[str, str, list[dict[str, Any]]]:
    """Archive two recordings; the first one's media answer announces ``content_length``."""
    conference = emulator.add_conference(friendly_name="odd", status="completed")["sid"]
    odd = emulator.add_recording(conference, status="completed", size=100)["sid"]
    fine = emulator.add_recording(conference, status="completed", size=100)["sid"]

    def odd_media(seen: Seen) -> Answer | None:
        if seen.path.endswith(f"{odd}.wav"):
            return Answer(
                body=b"x" * 100,
                headers=[("Content-Type", "audio/wav"), ("Content-Length", content_length)],
                framing="close",
            )
        return None

    with hostile_server(emulator_proxy(emulator, odd_media)) as server:
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(server.url))
        archived = execute_failing(operator(f"file://{tmp_path}", conference, max_attempts=1))
    assert every_file(tmp_path) == [f"{conference}/{fine}.wav"]
    return odd, fine, archived


#: Content-Length values no parser should take, and whether the hooks already name them well.
ODD_LENGTHS = [
    pytest.param("\u00b2", id="superscript-two"),
    pytest.param("9" * 5000, id="5000-digits"),
    pytest.param("-1", id="negative"),
    pytest.param("12, 13", id="two-values"),
]


class TestOddAnswers:
    @pytest.mark.parametrize("content_length", ODD_LENGTHS)
    def test_an_odd_content_length_fails_that_recording_only(
        self,
        emulator: SignalWireEmulator,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        content_length: str,
    ) -> None:
        odd, fine, archived = archive_with_odd_media(
            emulator, tmp_path, monkeypatch, content_length
        )

        failed, done = archived
        assert failed["recording_sid"] == odd and failed["error"]
        assert failed["bytes"] is None and failed["sha256"] is None
        assert done["recording_sid"] == fine and done["bytes"] == 100

    @pytest.mark.parametrize(
        "content_length",
        [
            pytest.param("\u00b2", id="superscript-two"),
            pytest.param("9" * 5000, id="5000-digits"),
            pytest.param("-1", id="negative"),
            pytest.param("1e2", id="exponent"),
        ],
    )
    def test_an_odd_content_length_is_named_as_a_signalwire_answer_error(
        self,
        emulator: SignalWireEmulator,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        content_length: str,
    ) -> None:
        _, _, archived = archive_with_odd_media(emulator, tmp_path, monkeypatch, content_length)

        assert archived[0]["error_type"] == "SignalWireResponseError", archived[0]
