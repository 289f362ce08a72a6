"""
What the sensor, the triggers and the poller share about conferences, as tables.

Dates as SignalWire writes them, which conference a name means, what a look logs, the checks
of what a wait names, and how a listing is indexed (which copy of a conference wins, what
changed since the previous listing, how often the work pauses for the event loop).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._conferences import (
    INDEX_SLICE,
    NOT_LOOKED_YET,
    ListingIndexer,
    check_conference_filters,
    exactly_one_target,
    index_listing,
    log_change,
    name_lookup_filters,
    newest_conference,
    parse_date_created,
    run_slices,
    validate_friendly_name,
    validate_target_status,
)

UTC = timezone.utc

#: date_created as written -> as read (None: unreadable).
DATES = [
    ("Tue, 25 Sep 2018 20:00:00 +0000", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 Sep 2018 20:00:00 -0000", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 Sep 2018 20:00:00", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 Sept 2018 20:00:00 +0000", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 sept 2018 20:00:00 +0000", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 SEPT 2018 22:00:00 +0200", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 25 September 2018 20:00:00 +0000", datetime(2018, 9, 25, 20, tzinfo=UTC)),
    ("Tue, 32 Sep 2018 20:00:00 +0000", None),
    ("", None),
    ("   ", None),
    ("tomorrow", None),
    (None, None),
    (20180925, None),
]


@pytest.mark.parametrize(("text", "moment"), DATES)
def test_dates_as_signalwire_writes_them(text: Any, moment: datetime | None) -> None:
    parsed = parse_date_created(text)
    assert parsed == moment
    if parsed is not None:
        assert parsed.utcoffset() is not None  # always aware


def named(sid: str, created: str | None, name: str = "retro") -> dict[str, Any]:
    return {"sid": sid, "friendly_name": name, "date_created": created}


EARLY = "Mon, 01 Jan 2024 10:00:00 +0000"
LATE = "Mon, 01 Jan 2024 12:00:00 +0000"

#: A listing (newest first, as SignalWire lists) -> the SID the name means.
NEWEST = {
    "the later date_created, wherever it is listed": (
        [named("a", EARLY), named("b", LATE)],
        "b",
    ),
    "a tie: the first listed": ([named("a", LATE), named("b", LATE)], "a"),
    "undated counts as the oldest": ([named("a", None), named("b", EARLY)], "b"),
    "only undated: the first listed": ([named("a", None), named("b", "garbage")], "a"),
    "other names are ignored": ([named("a", EARLY), named("z", LATE, "other")], "a"),
    "another name listed first": ([named("z", LATE, "other"), named("a", EARLY)], "a"),
    "no conference of the name": ([named("z", LATE, "other")], None),
}


@pytest.mark.parametrize(("listing", "sid"), NEWEST.values(), ids=list(NEWEST))
def test_which_conference_a_name_means(listing: list[dict[str, Any]], sid: str | None) -> None:
    found = newest_conference(listing, "retro")
    assert (found["sid"] if found else None) == sid


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def debug(self, message: str, *args: Any) -> None:
        self.lines.append(("debug", message % args))

    def info(self, message: str, *args: Any) -> None:
        self.lines.append(("info", message % args))


#: What the previous look saw, what this one found -> the line logged, and what is passed on.
LOOKS = [
    (NOT_LOOKED_YET, None, ("info", "No SignalWire conference named 'x' yet"), None),
    (None, None, ("debug", "SignalWire conference named 'x' unchanged: None"), None),
    (
        NOT_LOOKED_YET,
        {"sid": "CF1", "status": "init"},
        ("info", "SignalWire conference CF1 is init"),
        ("CF1", "init"),
    ),
    (
        ("CF1", "init"),
        {"sid": "CF1", "status": "init"},
        ("debug", "SignalWire conference named 'x' unchanged: ('CF1', 'init')"),
        ("CF1", "init"),
    ),
    (
        ("CF1", "init"),
        {"sid": "CF1", "status": "completed"},
        ("info", "SignalWire conference CF1 is completed"),
        ("CF1", "completed"),
    ),
    (
        ("CF1", "completed"),
        {"sid": "CF2", "status": "completed"},
        ("info", "SignalWire conference CF2 is completed"),
        ("CF2", "completed"),
    ),
    (("CF1", "init"), None, ("info", "No SignalWire conference named 'x' yet"), None),
]


@pytest.mark.parametrize(("previous", "found", "line", "seen"), LOOKS)
def test_what_a_look_logs(previous: Any, found: Any, line: tuple[str, str], seen: Any) -> None:
    log = RecordingLog()
    assert log_change(log, "conference named 'x'", previous, found) == seen
    assert log.lines == [line]


def test_a_lookup_by_name_asks_for_the_name_and_100_per_page() -> None:
    assert name_lookup_filters("retro") == {"friendly_name": "retro", "page_size": 100}


@pytest.mark.parametrize(
    ("value", "statuses"),
    [
        ("init", ("init",)),
        (["completed", "init", "completed"], ("completed", "init")),
        (frozenset({"in-progress"}), ("in-progress",)),
    ],
)
def test_target_statuses_accepted(value: Any, statuses: tuple[str, ...]) -> None:
    assert validate_target_status(value) == statuses


@pytest.mark.parametrize("value", ["done", [], ["init", "done"], None, 3])
def test_target_statuses_refused_with_the_choices(value: Any) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        validate_target_status(value)
    assert str(caught.value).startswith("Invalid target_status ")
    assert str(caught.value).endswith(
        ": expected one of init, in-progress, completed or a non-empty list of them."
    )


@pytest.mark.parametrize(
    ("length", "accepted"), [(0, False), (1, True), (2, True), (63, True), (64, True), (65, False)]
)
def test_friendly_name_length_bounds(length: int, accepted: bool) -> None:
    name = "n" * length
    if accepted:
        assert validate_friendly_name(name) == name
    else:
        with pytest.raises(SignalWireValidationError) as caught:
            validate_friendly_name(name)
        assert str(caught.value) == (
            f"Invalid friendly_name {name!r}: expected a string of 1 to 64 characters."
        )


#: Filters of list_conferences -> None when accepted, else the start of the message.
FILTERS = [
    ({}, None),
    ({"status": None, "friendly_name": None}, None),
    ({"status": "completed", "friendly_name": "n" * 64, "page_size": 1000}, None),
    ({"status": "done"}, "Invalid status 'done': expected one of init, in-progress, completed."),
    ({"friendly_name": ""}, "Invalid friendly_name '': expected a string of 1 to 64 characters."),
    ({"friendly_name": "n" * 65}, "Invalid friendly_name "),
    ({"sid": "CF1"}, "Unknown list_conferences filter(s): ['sid']; SignalWire's API defines"),
]


@pytest.mark.parametrize(("filters", "message"), FILTERS)
def test_listing_filters(filters: dict[str, Any], message: str | None) -> None:
    if message is None:
        check_conference_filters(filters)
    else:
        with pytest.raises(SignalWireValidationError) as caught:
            check_conference_filters(filters)
        assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("sid", "name", "accepted"),
    [("CF1", None, True), (None, "n", True), (None, None, False), ("CF1", "n", False)],
)
def test_exactly_one_of_sid_and_name(sid: str | None, name: str | None, accepted: bool) -> None:
    if accepted:
        exactly_one_target("Owner", sid, name)
    else:
        with pytest.raises(SignalWireValidationError) as caught:
            exactly_one_target("Owner", sid, name)
        assert str(caught.value) == (
            "Owner needs exactly one of conference_sid and friendly_name; "
            f"got conference_sid={sid!r}, friendly_name={name!r}."
        )


# -- indexing a listing -------------------------------------------------------------------------

T0 = datetime(2030, 1, 1, 12, tzinfo=UTC)


def listed(
    sid: Any, status: Any = "init", updated: int | None = 0, name: Any = "room"
) -> dict[str, Any]:
    """A conference as listed; ``updated`` in seconds after T0 (None: no date)."""
    stamp = None if updated is None else (T0 + timedelta(seconds=updated))
    return {
        "sid": sid,
        "friendly_name": name,
        "status": status,
        "date_updated": stamp.strftime("%a, %d %b %Y %H:%M:%S +0000") if stamp else None,
        "date_created": "Wed, 01 Jan 2030 11:00:00 +0000",
    }


#: Copies of one conference in a listing -> which copy is kept (its position).
COPIES = {
    "the later status, listed first": ([listed("A", "completed", 0), listed("A", "init", 9)], 0),
    "the later status, listed last": ([listed("A", "init", 9), listed("A", "in-progress", 0)], 1),
    "the same status: the newer date": ([listed("A", "init", 0), listed("A", "init", 5)], 1),
    "the same status and date: the first": ([listed("A", "init", 5), listed("A", "init", 5)], 0),
    "a dated copy beats an undated one": ([listed("A", "init", None), listed("A", "init", 1)], 1),
    "an unknown status loses": ([listed("A", "ended", 9), listed("A", "init", 0)], 1),
}


@pytest.mark.parametrize(("copies", "kept"), COPIES.values(), ids=list(COPIES))
def test_which_copy_of_a_conference_is_kept(copies: list[dict[str, Any]], kept: int) -> None:
    index = run_slices(index_listing(copies, None, 1))
    assert index.by_sid["A"].conference is copies[kept]


def test_what_one_listing_reads_of_each_conference() -> None:
    odd = {**listed("C", "ended"), "date_updated": "garbage"}
    index = run_slices(index_listing([listed("A", "in-progress", 3), odd, listed(7)], None, 4))

    a, c = index.by_sid["A"], index.by_sid["C"]
    assert (a.sid, a.friendly_name, a.status, a.rank) == ("A", "room", "in-progress", 1)
    assert a.updated == T0 + timedelta(seconds=3)
    assert a.created == datetime(2030, 1, 1, 11, tzinfo=UTC)
    assert (c.status, c.rank, c.updated) == ("ended", -1, None)
    assert set(index.by_sid) == {"A", "C"}  # a SID that is not a string is no conference
    assert (index.sequence, index.previous, index.changed) == (4, None, frozenset({"A", "C"}))


@pytest.mark.parametrize("field", ["date_updated", "date_created"])
@pytest.mark.parametrize(
    "value",
    [None, 20300101, True, ["Wed, 01 Jan 2030 12:00:00 +0000"], {"at": "2030-01-01"}],
    ids=["null", "a number", "a boolean", "an array", "an object"],
)
def test_a_date_that_is_not_a_string_reads_as_none(field: str, value: Any) -> None:
    """Any JSON value may stand there: the conference is still indexed, its date unread."""
    odd = {**listed("A", "in-progress", 3), field: value}
    index = run_slices(index_listing([odd, listed("B")], None, 1))

    a = index.by_sid["A"]
    read = {"date_updated": a.updated, "date_created": a.created}
    assert read[field] is None
    assert (a.status, a.rank, a.conference) == ("in-progress", 1, odd)
    assert set(index.by_sid) == {"A", "B"}


def test_names_index_the_sids_and_a_name_that_is_not_a_string_is_none() -> None:
    conferences = [listed("A"), listed("B", name=5), listed("C"), listed("D", name=None)]
    index = run_slices(index_listing(conferences, None, 1))
    assert index.by_name == {"room": ["A", "C"], None: ["B", "D"]}


def test_what_changed_since_the_previous_listing() -> None:
    first = run_slices(index_listing([listed("A"), listed("B"), listed("C"), listed("D")], None, 1))
    same_a = listed("A")
    second = run_slices(
        index_listing(
            [
                same_a,  # unchanged
                listed("B", "in-progress"),  # a new status
                listed("C", updated=60),  # a new date
                {**listed("D"), "friendly_name": "renamed"},  # another name
                listed("E"),  # new
            ],
            first,
            2,
        )
    )

    assert (second.sequence, second.previous) == (2, 1)
    assert second.changed == frozenset({"B", "C", "E"})
    assert second.by_sid["A"] is first.by_sid["A"]  # read once, kept from the listing before
    assert second.by_sid["D"].friendly_name == "renamed"
    assert second.by_name["renamed"] == ["D"]


@pytest.mark.parametrize(
    ("n", "pauses"),
    [
        (0, 1),
        (INDEX_SLICE - 1, 1),
        (INDEX_SLICE, 3),
        (2 * INDEX_SLICE - 1, 3),
        (2 * INDEX_SLICE, 5),
    ],
)
def test_indexing_pauses_every_slice_of_conferences(n: int, pauses: int) -> None:
    """Once per INDEX_SLICE read, once before indexing, once per INDEX_SLICE indexed."""
    steps = index_listing([listed(f"S{i}") for i in range(n)], None, 1)
    count = 0
    try:
        while True:
            next(steps)
            count += 1
    except StopIteration as done:
        index = done.value
    assert count == pauses
    assert len(index.by_sid) == n


def test_an_indexer_fed_one_by_one_is_the_same_as_a_whole_listing() -> None:
    conferences = [listed("A", "completed", 2), listed("A", "init", 9), listed("B")]
    indexer = ListingIndexer(None, 3)
    for conference in conferences:
        indexer.add(conference)
    fed = run_slices(indexer.finish())
    whole = run_slices(index_listing(conferences, None, 3))
    assert fed == whole
    assert fed.by_sid["A"].status == "completed"


def test_the_index_reads_dates_with_the_parser_it_is_given() -> None:
    """The conference-events trigger passes its own parser (SignalWire's clock, odd dates)."""
    read: list[object] = []

    def parse(raw: object) -> datetime | None:
        read.append(raw)
        return datetime(2026, 1, 1, tzinfo=UTC) if raw == "new year" else None

    listing = [{"sid": "CF1", "status": "init", "date_updated": "new year", "date_created": "x"}]
    index = run_slices(index_listing(listing, None, 1, parse))
    assert sorted(map(str, read)) == ["new year", "x"]
    assert index.by_sid["CF1"].updated == datetime(2026, 1, 1, tzinfo=UTC)
    assert index.by_sid["CF1"].created is None
