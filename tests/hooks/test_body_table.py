"""
What both clients do with a body (``hooks/_body.py``) as tables: bound it, inflate it, page on.

Each row is one rule of the specification, named by its test id; the values are exact.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._api import page_items
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    check_declared_length,
    content_encoding,
    inflate_bounded,
)

PATH = "/api/laml/2010-04-01/Accounts/AC1/Conferences"
CALL = {"status": 200, "method": "GET", "path": PATH}
TOO_LARGE = (
    f"SignalWire answered 200 to GET {PATH} with a body over {MAX_BODY_BYTES} bytes; "
    "refused to read it"
)

INVALID_LENGTH = (
    f"SignalWire answered GET {PATH} with an invalid Content-Length (not 1 to 18 ASCII digits)"
)

DECLARED = [
    ({}, None, "an answer without Content-Length is read, boundedly"),
    ({"Content-Length": "0"}, None, "an empty body is read"),
    ({"Content-Length": str(MAX_BODY_BYTES)}, None, "a body of exactly the cap is read"),
    ({"Content-Length": str(MAX_BODY_BYTES + 1)}, TOO_LARGE, "a body announced over the cap is refused unread"),
    ({"Content-Length": "0" * 17 + "1"}, None, "18 digits are a number"),
    ({"Content-Length": "0" * 18 + "1"}, INVALID_LENGTH, "19 digits are not"),
    ({"Content-Length": "9" * 5000}, INVALID_LENGTH, "5,000 digits are refused"),
    ({"Content-Length": "abc"}, INVALID_LENGTH, "a length that is no number is refused"),
    ({"Content-Length": "-1"}, INVALID_LENGTH, "a negative length is refused"),
    ({"Content-Length": "\u00b2"}, INVALID_LENGTH, "a superscript digit is no digit"),
    ({"Content-Length": "\u0663"}, INVALID_LENGTH, "an Arabic-Indic digit is no ASCII digit"),
    ({"Content-Length": ""}, INVALID_LENGTH, "an empty length is refused"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "refusal"), [row[:2] for row in DECLARED], ids=[row[2] for row in DECLARED]
)
def test_declared_length(headers: dict[str, str], refusal: str | None) -> None:
    if refusal is not None:
        with pytest.raises(SignalWireResponseError) as caught:
            check_declared_length(headers, **CALL)  # type: ignore[arg-type]
        assert str(caught.value) == refusal
    else:
        assert check_declared_length(headers, **CALL) is None  # type: ignore[arg-type, func-returns-value]


ENCODINGS = [
    ({}, "", "no Content-Encoding is none"),
    ({"Content-Encoding": "identity"}, "identity", "identity is accepted"),
    ({"Content-Encoding": "gzip"}, "gzip", "gzip is accepted"),
    ({"Content-Encoding": "deflate"}, "deflate", "deflate is accepted"),
    ({"Content-Encoding": " GZip "}, "gzip", "the name is trimmed and lower-cased"),
    ({"Content-Encoding": "x-gzip"}, "gzip", "x-gzip is gzip (RFC 9110)"),
    ({"Content-Encoding": "X-GZIP"}, "gzip", "x-gzip in capitals too"),
]


@pytest.mark.parametrize(
    ("headers", "encoding"), [row[:2] for row in ENCODINGS], ids=[row[2] for row in ENCODINGS]
)
def test_supported_content_encoding(headers: dict[str, str], encoding: str) -> None:
    assert content_encoding(headers, **CALL) == encoding  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "encoding",
    ["br", "zstd", "gzip, gzip", "compress", "x-deflate"],
    ids=[
        "brotli is refused",
        "zstd is refused",
        "stacked encodings are refused",
        "compress is refused",
        "x-deflate is no alias",
    ],
)
def test_unsupported_content_encoding_is_refused(encoding: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        content_encoding({"Content-Encoding": encoding}, **CALL)  # type: ignore[arg-type]

    assert str(caught.value) == (
        f"SignalWire answered 200 to GET {PATH} with an unsupported Content-Encoding "
        f"{encoding.lower()!r}"
    )


OBJECT = b'{"sid": "CF1", "status": "init"}'


def bare_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


INFLATED = [
    (OBJECT, "", OBJECT, "a body without encoding is kept as it is"),
    (OBJECT, "identity", OBJECT, "an identity body is kept as it is"),
    (gzip.compress(OBJECT), "gzip", OBJECT, "a gzip body is inflated"),
    (zlib.compress(OBJECT), "deflate", OBJECT, "a zlib-wrapped deflate body is inflated"),
    (zlib.compress(OBJECT), "gzip", OBJECT, "the wrapper is detected, not trusted from the header"),
    (gzip.compress(b"x" * MAX_BODY_BYTES), "gzip", b"x" * MAX_BODY_BYTES, "a body inflating to exactly the cap is kept"),
    (gzip.compress(OBJECT[:9]) + gzip.compress(OBJECT[9:]), "gzip", OBJECT, "every member of a gzip stream is inflated"),
    (bare_deflate(OBJECT), "deflate", OBJECT, "a bare deflate stream (no zlib wrapper) is inflated"),
    (b"", "gzip", b"", "an empty body stays empty"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "encoding", "body"), [row[:3] for row in INFLATED], ids=[row[3] for row in INFLATED]
)
def test_inflate_bounded(raw: bytes, encoding: str, body: bytes) -> None:
    assert inflate_bounded(raw, encoding, **CALL) == body  # type: ignore[arg-type]


NOT_INFLATED = [
    (gzip.compress(b"\0" * (MAX_BODY_BYTES + 1)), "gzip", TOO_LARGE, "a body inflating past the cap is refused"),
    (
        b"not gzip at all",
        "gzip",
        f"SignalWire answered 200 to GET {PATH} with a gzip body that does not decompress",
        "a body that is not gzip is refused",
    ),
    (
        gzip.compress(OBJECT)[:-4],
        "gzip",
        f"SignalWire answered 200 to GET {PATH} with a gzip body that does not decompress",
        "a gzip stream cut off before its end is refused",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "encoding", "message"),
    [row[:3] for row in NOT_INFLATED],
    ids=[row[3] for row in NOT_INFLATED],
)
def test_inflate_refuses(raw: bytes, encoding: str, message: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        inflate_bounded(raw, encoding, **CALL)  # type: ignore[arg-type]

    assert str(caught.value) == message


# -- the paging rule ---------------------------------------------------------------------------

A, B = {"sid": "CF1", "status": "init"}, {"sid": "CF2", "status": "completed"}
PAGES: list[tuple[dict[str, Any], tuple[list[dict[str, Any]], Any], str]] = [
    (
        {"conferences": [A, B], "next_page_uri": None},
        ([A, B], None),
        "the last page has its items and no next page",
    ),
    (
        {"conferences": [A], "next_page_uri": f"{PATH}.json?Page=1&PageSize=1"},
        ([A], (f"{PATH}.json", [("Page", "1"), ("PageSize", "1")])),
        "a next_page_uri is where the next page is",
    ),
    ({"conferences": [A], "next_page_uri": ""}, ([A], None), "an empty next_page_uri ends paging"),
    ({"conferences": [A]}, ([A], None), "a page without next_page_uri is the last"),
    ({"conferences": []}, ([], None), "an empty page is no items"),
]


@pytest.mark.parametrize(
    ("page", "split"), [row[:2] for row in PAGES], ids=[row[2] for row in PAGES]
)
def test_page_items(page: dict[str, Any], split: tuple[list[dict[str, Any]], Any]) -> None:
    assert page_items(page, "conferences", PATH) == split


NO_LIST = f"SignalWire page of {PATH} has no 'conferences' list"
BAD_PAGES: list[tuple[dict[str, Any] | None, str, str]] = [
    ({"participants": [A]}, NO_LIST, "a page without the listed key is refused"),
    ({"conferences": {"sid": "CF1"}}, NO_LIST, "a key that is not a list is refused"),
    (None, NO_LIST, "an empty answer is no page"),
    (
        {"conferences": [A, 1]},
        f"SignalWire answered GET {PATH} with a page holding conferences[1] = 1, not an object",
        "anything in the list that is not an object is refused",
    ),
    (
        {"conferences": [{"sid": "CF1"}]},
        f"SignalWire answered GET {PATH} with a page holding conferences[0] whose status is None, not a string",
        "a listed conference without its status is refused",
    ),
    (
        {"conferences": [A], "next_page_uri": "https://evil.example/x"},
        "SignalWire's next_page_uri 'https://evil.example/x' leaves this Space's API; not followed",
        "a next page elsewhere is refused",
    ),
]


@pytest.mark.parametrize(
    ("page", "message"), [row[:2] for row in BAD_PAGES], ids=[row[2] for row in BAD_PAGES]
)
def test_bad_page_is_refused(page: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        page_items(page, "conferences", PATH)

    assert str(caught.value) == message
