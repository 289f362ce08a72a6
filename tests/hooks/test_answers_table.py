"""
The answer checks of ``hooks/_api.py`` as tables: what is the object asked for, word for word.

A proxy, a cache or a bug can answer with another stream, another conference, or an object
without the fields callers read. Each row is one such answer and the exact error it gets (or the
object, when it is the right one); both sides of each rule are in the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._api import (
    PageTrail,
    assumed_stopped,
    checked_conference,
    checked_items,
    checked_new_stream,
    checked_participant,
    checked_recording,
    checked_stopped_stream,
)

if TYPE_CHECKING:
    from collections.abc import Callable

STOP = "SignalWire answered POST /s with "
GET = "SignalWire answered GET /p with "


def stopped(data: dict[str, Any], asked: str = "ST1") -> dict[str, Any]:
    return checked_stopped_stream(data, asked, method="POST", path="/s")


REFUSED: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: stopped({}), STOP + "a stream whose sid is None, not a string", "a stop answered with no sid"),
    (lambda: stopped({"sid": 5}), STOP + "a stream whose sid is 5, not a string", "a sid that is no string"),
    (lambda: stopped({"sid": ""}), STOP + "a stream whose sid is '', not a string", "an empty sid"),
    (lambda: stopped({"sid": "ST2", "name": "n", "status": "stopped"}), STOP + "another stream (sid 'ST2', name 'n', asked 'ST1')", "another stream"),
    (lambda: stopped({"sid": "ST2", "status": "stopped"}), STOP + "another stream (sid 'ST2', name None, asked 'ST1')", "another stream without a name"),
    (lambda: stopped({"sid": "ST1", "status": "in-progress"}), STOP + "a stream whose status is 'in-progress', not 'stopped'", "a stream still running"),
    (lambda: stopped({"sid": "ST1"}), STOP + "a stream whose status is None, not 'stopped'", "a stream without a status"),
    (lambda: stopped({"sid": "ST1", "status": "x" * 200}), STOP + f"a stream whose status is '{'x' * 76}..., not 'stopped'", "a long status is cut"),
    (lambda: checked_conference({"sid": "CF2", "status": "completed"}, "CF1", "GET", "/p"), GET + "another object (sid 'CF2', asked 'CF1')", "another conference"),
    (lambda: checked_conference({"sid": "CF1"}, "CF1", "GET", "/p"), GET + "an object whose status is None, not a string", "a conference without a status"),
    (lambda: checked_participant({"call_sid": ""}, "CA1", "GET", "/p"), GET + "an object whose call_sid is '', not a string", "a participant without its call"),
    (lambda: checked_participant({"call_sid": "CA2"}, "CA1", "GET", "/p"), GET + "another object (call_sid 'CA2', asked 'CA1')", "another participant"),
    (lambda: checked_recording({"sid": "RE2"}, "RE1", "GET", "/p"), GET + "another object (sid 'RE2', asked 'RE1')", "another recording"),
    (lambda: checked_recording({"sid": None}, "RE1", "GET", "/p"), GET + "an object whose sid is None, not a string", "a recording without a sid"),
    (lambda: checked_recording({"sid": 10**79}, "RE1", "GET", "/p"), GET + f"an object whose sid is {10**79}, not a string", "a value of 80 characters is shown whole"),
    (lambda: checked_recording({"sid": 10**80}, "RE1", "GET", "/p"), GET + f"an object whose sid is 1{'0' * 76}..., not a string", "a value past 80 characters is cut"),
    (lambda: checked_new_stream({"sid": "ST9"}, "POST", "/p"), "SignalWire answered POST /p with an object whose status is None, not a string", "a started stream without a status"),
    (lambda: checked_new_stream({"status": "in-progress"}, "POST", "/p"), "SignalWire answered POST /p with an object whose sid is None, not a string", "a started stream without a sid"),
    (lambda: checked_items([{"sid": "a", "status": "x"}, 3], "conferences", "/p"), GET + "a page holding conferences[1] = 3, not an object", "a listed item that is no object"),
    (lambda: checked_items(["x" * 78], "conferences", "/p"), GET + f"a page holding conferences[0] = {'x' * 78!r}, not an object", "a listed item of 80 characters is shown whole"),
    (lambda: checked_items(["x" * 79], "conferences", "/p"), GET + f"a page holding conferences[0] = '{'x' * 76}..., not an object", "a listed item past 80 characters is cut"),
    (lambda: checked_items([{"sid": "a"}], "conferences", "/p"), GET + "a page holding conferences[0] whose status is None, not a string", "a listed conference without a status"),
    (lambda: checked_items([{"sid": "RE1"}, {}], "recordings", "/p"), GET + "a page holding recordings[1] whose sid is None, not a string", "a listed recording without a sid"),
    (lambda: checked_items([{"call_sid": 7}], "participants", "/p"), GET + "a page holding participants[0] whose call_sid is 7, not a string", "a listed participant without its call"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check", "message"), [row[:2] for row in REFUSED], ids=[row[2] for row in REFUSED]
)
def test_refused(check: Callable[[], Any], message: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        check()
    assert str(caught.value) == message
    assert (caught.value.method, caught.value.path) == (
        message.split(" ")[2],
        message.split(" ")[3],
    )


ACCEPTED: list[tuple[Callable[[], Any], Any, str]] = [
    (lambda: stopped({"sid": "ST1", "status": "stopped"}), {"sid": "ST1", "status": "stopped"}, "the stream asked, by SID"),
    (lambda: stopped({"sid": "ST2", "name": "ST1", "status": "stopped"}), {"sid": "ST2", "name": "ST1", "status": "stopped"}, "the stream asked, by name"),
    (lambda: checked_conference({"sid": "CF1", "status": "init"}, "CF1", "GET", "/p"), {"sid": "CF1", "status": "init"}, "the conference asked"),
    (lambda: checked_participant({"call_sid": "CA1"}, "CA1", "GET", "/p"), {"call_sid": "CA1"}, "the participant asked"),
    (lambda: checked_new_stream({"sid": "ST9", "status": "in-progress"}, "POST", "/p"), {"sid": "ST9", "status": "in-progress"}, "any new stream with a status"),
    (lambda: checked_items([], "conferences", "/p"), [], "an empty page"),
    (lambda: checked_items([{"x": 1}], "accounts", "/p"), [{"x": 1}], "a list without required fields"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check", "result"), [row[:2] for row in ACCEPTED], ids=[row[2] for row in ACCEPTED]
)
def test_accepted(check: Callable[[], Any], result: Any) -> None:
    assert check() == result


def test_a_stop_taken_as_done_is_a_whole_stream_object() -> None:
    assert assumed_stopped("AC1", "CF1", "ST1", "/api/x/Streams/ST1") == {
        "account_sid": "AC1",
        "conference_sid": "CF1",
        "sid": "ST1",
        "name": None,
        "status": "stopped",
        "date_updated": None,
        "uri": "/api/x/Streams/ST1.json",
    }


class TestPageTrail:
    def test_a_page_read_again_ends_the_listing_whatever_the_order_and_suffix(self) -> None:
        trail = PageTrail(5)
        trail.visit("/a.json", {"b": "1", "a": "2"})
        trail.visit("/a", [("a", "3")])
        with pytest.raises(SignalWireResponseError) as caught:
            trail.visit("/a", [("a", "2"), ("b", "1")])
        assert str(caught.value) == (
            "SignalWire's next_page_uri leads back to '/a?a=2&b=1', a page already read; "
            "paging stopped after 2 page(s)"
        )

    @pytest.mark.parametrize("pages", [1, 3])
    def test_the_cap_allows_exactly_max_pages(self, pages: int) -> None:
        trail = PageTrail(pages)
        for n in range(pages):
            trail.visit(f"/p{n}", {})
        with pytest.raises(SignalWireResponseError) as caught:
            trail.visit("/last", {})
        assert str(caught.value) == (
            f"SignalWire's next_page_uri goes on past {pages} pages of /last (max_pages); "
            "paging stopped"
        )

    def test_a_page_without_query_is_shown_as_its_path(self) -> None:
        trail = PageTrail(5)
        trail.visit("/a", {})
        with pytest.raises(
            SignalWireResponseError, match=r"leads back to '/a\.json', a page already"
        ):
            trail.visit("/a.json", [])
