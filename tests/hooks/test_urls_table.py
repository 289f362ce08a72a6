"""
The paths of the Compatibility API (``hooks/_api.py``) as tables: routes, encoding, paging.

Each row is one rule of the specification, named by its test id; the values are exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.exceptions import (
    SignalWireResponseError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import (
    API_ROOT,
    account_path,
    conference_relative_path,
    next_page,
    recording_media_relative_path,
)

if TYPE_CHECKING:
    from collections.abc import Callable

ACCOUNT = "0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c"
CONFERENCE = "CFa1b2c3d4"
BASE = f"/api/laml/2010-04-01/Accounts/{ACCOUNT}"
CONFERENCES = f"{BASE}/Conferences"


def conferences_path(account_sid: str) -> str:
    """An account's conferences, as every hook method joins the two parts."""
    return account_path(account_sid) + conference_relative_path(None)


def conference_path(account_sid: str, conference_sid: str) -> str:
    return account_path(account_sid) + conference_relative_path(conference_sid)


def conference_child_path(
    account_sid: str, conference_sid: str, collection: str, child: str | None = None
) -> str:
    return account_path(account_sid) + conference_relative_path(conference_sid, collection, child)


ROUTES = [
    (lambda: account_path(ACCOUNT), BASE, "an account is its Project ID under the API root"),
    (lambda: conferences_path(ACCOUNT), CONFERENCES, "an account's conferences"),
    (lambda: conference_path(ACCOUNT, CONFERENCE), f"{CONFERENCES}/{CONFERENCE}", "one conference"),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Participants"),
        f"{CONFERENCES}/{CONFERENCE}/Participants",
        "a conference's participants",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Participants", "CA99"),
        f"{CONFERENCES}/{CONFERENCE}/Participants/CA99",
        "one participant, by its call SID",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Recordings", "RE77"),
        f"{CONFERENCES}/{CONFERENCE}/Recordings/RE77",
        "one recording",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams"),
        f"{CONFERENCES}/{CONFERENCE}/Streams",
        "a conference's streams",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", "ST5"),
        f"{CONFERENCES}/{CONFERENCE}/Streams/ST5",
        "one stream, by its SID",
    ),
    (lambda: conference_relative_path(None), "/Conferences", "below the account: the conferences"),
    (
        lambda: conference_relative_path(CONFERENCE, "Streams", "ST5"),
        f"/Conferences/{CONFERENCE}/Streams/ST5",
        "below the account: one stream",
    ),
    (
        lambda: API_ROOT,
        "/api/laml/2010-04-01",
        "the API root is the LaML 2010-04-01 API, without .json",
    ),
    (
        lambda: recording_media_relative_path("RE77", "wav"),
        "/Recordings/RE77.wav",
        "a recording's wav",
    ),
    (
        lambda: recording_media_relative_path("RE77", "mp3"),
        "/Recordings/RE77.mp3",
        "a recording's mp3",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", "..."),
        f"{CONFERENCES}/{CONFERENCE}/Streams/...",
        "a stream named '...' is no dot segment",
    ),
]


@pytest.mark.parametrize(
    ("built", "path"), [row[:2] for row in ROUTES], ids=[row[2] for row in ROUTES]
)
def test_route(built: Callable[[], str], path: str) -> None:
    assert built() == path


def test_a_stream_name_of_256_characters_is_the_longest() -> None:
    """Built inside the test (the table above is built once, at import)."""
    name = "s" * 256
    built = conference_child_path(ACCOUNT, CONFERENCE, "Streams", name)
    assert built == f"{CONFERENCES}/{CONFERENCE}/Streams/{name}"


STREAM_NAMES = [
    ("recorder", "recorder", "a plain name is kept"),
    ("recorder/left", "recorder%2Fleft", "a slash stays inside the segment"),
    ("a b", "a%20b", "a space is encoded"),
    ("caf\u00e9", "caf%C3%A9", "non-ASCII is encoded as UTF-8"),
    ("50%", "50%25", "a percent sign is encoded, never decoded"),
    ("%2F", "%252F", "an encoded slash stays literal"),
    ("x?y=1", "x%3Fy%3D1", "a query cannot start inside a name"),
    ("x#y", "x%23y", "a fragment cannot start inside a name"),
    ("..x", "..x", "dots inside a name are kept"),
    ("a;b,c+d&e", "a%3Bb%2Cc%2Bd%26e", "every reserved character is encoded"),
]


@pytest.mark.parametrize(
    ("name", "segment"), [row[:2] for row in STREAM_NAMES], ids=[row[2] for row in STREAM_NAMES]
)
def test_stream_name_is_exactly_one_encoded_segment(name: str, segment: str) -> None:
    path = conference_child_path(ACCOUNT, CONFERENCE, "Streams", name)

    assert path == f"{CONFERENCES}/{CONFERENCE}/Streams/{segment}"


BAD_INPUT = [
    (
        lambda: account_path("../x"),
        "Invalid account_sid '../x': expected 1-64 ASCII letters, digits or hyphens.",
        "an account SID cannot climb out of its segment",
    ),
    (
        lambda: conference_path(ACCOUNT, "CF1/Streams"),
        "Invalid conference_sid 'CF1/Streams': expected 1-64 ASCII letters, digits or hyphens.",
        "a conference SID cannot hold a slash",
    ),
    (
        lambda: conference_relative_path(""),
        "Invalid conference_sid '': expected 1-64 ASCII letters, digits or hyphens.",
        "an empty conference SID is refused",
    ),
    (
        lambda: conference_path(ACCOUNT, "C" * 65),
        f"Invalid conference_sid '{'C' * 65}': expected 1-64 ASCII letters, digits or hyphens.",
        "a conference SID is at most 64 characters",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Participants", "CA 1"),
        "Invalid call_sid 'CA 1': expected 1-64 ASCII letters, digits or hyphens.",
        "a participant is named by a valid call SID",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Recordings", "RE_1"),
        "Invalid recording_sid 'RE_1': expected 1-64 ASCII letters, digits or hyphens.",
        "a recording is named by a valid recording SID",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", ""),
        "Invalid stream_sid '': expected a non-empty string.",
        "an empty stream name is refused",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", ".."),
        "Invalid stream_sid '..': '.' and '..' are not stream names.",
        "a stream cannot be named '..'",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", "."),
        "Invalid stream_sid '.': '.' and '..' are not stream names.",
        "a stream cannot be named '.'",
    ),
    (
        lambda: recording_media_relative_path("RE/1", "wav"),
        "Invalid recording_sid 'RE/1': expected 1-64 ASCII letters, digits or hyphens.",
        "a media file is named by a valid recording SID",
    ),
    (
        lambda: recording_media_relative_path("RE1", "ogg"),
        "Invalid media_format 'ogg': expected one of wav, mp3.",
        "media comes as wav or mp3 only",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", "a\nb"),
        "Invalid stream_sid 'a\\nb': control characters and lone surrogates are not allowed.",
        "a stream name holds no control character",
    ),
    (
        lambda: conference_child_path(ACCOUNT, CONFERENCE, "Streams", "s" * 257),
        f"Invalid stream_sid '{'s' * 116}...: longer than 256 characters.",
        "a stream name is at most 256 characters",
    ),
]


@pytest.mark.parametrize(
    ("build", "message"), [row[:2] for row in BAD_INPUT], ids=[row[2] for row in BAD_INPUT]
)
def test_bad_segment_is_refused_naming_it(build: object, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        build()  # type: ignore[operator]

    assert str(caught.value) == message


# -- the next_page rule ------------------------------------------------------------------------

FOLLOWED = [
    (
        f"{CONFERENCES}.json?Page=1&PageSize=2",
        CONFERENCES,
        (f"{CONFERENCES}.json", [("Page", "1"), ("PageSize", "2")]),
        "the same collection with .json is followed with its query",
    ),
    (
        f"{CONFERENCES}?Page=2",
        f"{CONFERENCES}.json",
        (CONFERENCES, [("Page", "2")]),
        "the same collection without .json is followed",
    ),
    (
        f"{CONFERENCES}?Page=1&PageToken=&FriendlyName=a%20b",
        CONFERENCES,
        (CONFERENCES, [("Page", "1"), ("PageToken", ""), ("FriendlyName", "a b")]),
        "blank values are kept and the query is decoded",
    ),
    (
        f"{CONFERENCES}/{CONFERENCE}/Participants.json?Page=1",
        f"{CONFERENCES}/{CONFERENCE}/Participants",
        (f"{CONFERENCES}/{CONFERENCE}/Participants.json", [("Page", "1")]),
        "a conference's participants page on",
    ),
    (
        CONFERENCES,
        CONFERENCES,
        (CONFERENCES, []),
        "a next page without a query is followed",
    ),
]


@pytest.mark.parametrize(
    ("next_uri", "previous", "following"),
    [row[:3] for row in FOLLOWED],
    ids=[row[3] for row in FOLLOWED],
)
def test_next_page_on_the_same_collection_is_followed(
    next_uri: str, previous: str, following: tuple[str, list[tuple[str, str]]]
) -> None:
    assert next_page(next_uri, previous) == following


LEAVES = "leaves this Space's API; not followed"
ELSEWHERE = "points at another resource; not followed"
REFUSED = [
    (f"https://evil.example{CONFERENCES}?Page=1", LEAVES, "another host is never followed"),
    (
        f"https://space.signalwire.com{CONFERENCES}?Page=1",
        LEAVES,
        "an absolute URL is never followed, even to a Space",
    ),
    (f"//evil.example{CONFERENCES}", LEAVES, "a scheme-relative URL is never followed"),
    ("/other/api/Conferences?Page=1", LEAVES, "a path outside the API root is never followed"),
    (API_ROOT, LEAVES, "the bare API root is not inside it"),
    (f"{BASE}/Calls?Page=1", ELSEWHERE, "another collection is never followed"),
    (
        f"{CONFERENCES}/{CONFERENCE}?Page=1",
        ELSEWHERE,
        "one conference is not the conference list",
    ),
    (
        f"{BASE}/Conferences/../Calls?Page=1",
        ELSEWHERE,
        "dot segments do not lead elsewhere",
    ),
    (
        "/api/laml/2010-04-01/Accounts/AC-other/Conferences?Page=1",
        ELSEWHERE,
        "another account is never followed",
    ),
]


@pytest.mark.parametrize(
    ("next_uri", "says"), [row[:2] for row in REFUSED], ids=[row[2] for row in REFUSED]
)
def test_next_page_off_the_collection_is_refused(next_uri: str, says: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        next_page(next_uri, CONFERENCES)

    assert str(caught.value) == f"SignalWire's next_page_uri {next_uri!r} {says}"


def test_conference_paths_built_inside_a_test() -> None:
    """The tables above are built at import; mutation testing only sees calls made by a test."""
    assert account_path(ACCOUNT) + "/Conferences" == conferences_path(ACCOUNT) == CONFERENCES
    assert conference_path(ACCOUNT, CONFERENCE) == f"{CONFERENCES}/{CONFERENCE}"
