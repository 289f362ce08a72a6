"""
Strict JSON, bounded bodies and scrubbing (``hooks/_errors.py``) on both sides of every limit.

Each limit is tested where it holds and one step past it, so that a check off by one, or a fast
path that skips a check it needs, shows as a failing row.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_INTEGER_DIGITS,
    check_declared_length,
    content_encoding,
    inflate_bounded,
    loads_strict,
    scrub_bytes,
    scrub_data,
)


def lists_around_a_number(levels: int) -> bytes:
    """``[[...[0]...]]``: the number sits ``levels`` deep."""
    return b"[" * levels + b"0" + b"]" * levels


def lists_and_objects_around_a_number(levels: int) -> bytes:
    """Lists and objects in turn, about as many of each: the number sits ``levels`` deep."""
    body = b"0"
    for level in range(levels):
        body = b"[" + body + b"]" if level % 2 == 0 else b'{"k":' + body + b"}"
    return body


STRICT: list[tuple[bytes, Any, str]] = [
    (lists_around_a_number(MAX_DEPTH), None, "a value 64 levels deep is read"),
    (lists_around_a_number(MAX_DEPTH + 1), "nested deeper than 64 levels", "65 levels deep is refused"),
    (lists_and_objects_around_a_number(MAX_DEPTH), None, "64 levels of lists and objects are read"),
    (lists_and_objects_around_a_number(MAX_DEPTH + 1), "nested deeper than 64 levels", "65 levels of lists and objects are refused"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply", "nesting past the parser's recursion"),
    (b"1" + b"0" * (MAX_INTEGER_DIGITS - 1), None, "an integer of 100 digits is read"),
    (b"1" + b"0" * MAX_INTEGER_DIGITS, "integer of 101 digits", "an integer of 101 digits is refused"),
    (b"-1" + b"0" * MAX_INTEGER_DIGITS, "integer of 102 digits", "a negative one counts its sign in the message"),
    (b"1e308", None, "the largest float is read"),
    (b"1e309", "number 1e309 overflows", "a float past it is refused"),
    (b"-" + b"9" * 400 + b".5", "number -" + "9" * 19 + " overflows", "an overflowing number is shown cut"),
    (b'{"a": 1, "sid": 1, "sid": 2}', "duplicate key 'sid'", "a duplicate key is named"),
    (b'{"a": 1, "b": 2}', None, "distinct keys are read"),
    (b"NaN", "NaN is not JSON", "NaN is refused"),
    (b"\xef\xbb\xbf{}", "starts with a byte-order mark", "a UTF-8 byte-order mark"),
    (b"\xff\xfe{\x00}\x00", "starts with a byte-order mark", "a UTF-16 LE byte-order mark"),
    (b"\xfe\xff\x00{\x00}", "starts with a byte-order mark", "a UTF-16 BE byte-order mark"),
    (b'"\\ud800"', "surrogates not allowed", "an escaped lone surrogate"),
    (b'{"\\ud800": 1}', "surrogates not allowed", "a lone surrogate in a key"),
    (b'"\\ud83d\\ude00"', None, "an escaped surrogate pair is a character"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "refusal"), [row[:2] for row in STRICT], ids=[row[2] for row in STRICT]
)
def test_loads_strict(body: bytes, refusal: str | None) -> None:
    if refusal is None:
        assert loads_strict(body) is not None
        return
    with pytest.raises(ValueError) as caught:
        loads_strict(body)
    assert refusal in str(caught.value)


def test_an_integer_of_100_digits_keeps_its_value() -> None:
    digits = "9" * MAX_INTEGER_DIGITS
    assert loads_strict(f'{{"n": {digits}}}'.encode()) == {"n": int(digits)}


CALL = {"status": 200, "method": "GET", "path": "/p"}


@pytest.mark.parametrize(("size", "refused"), [(MAX_BODY_BYTES, False), (MAX_BODY_BYTES + 1, True)])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_an_inflated_body_is_bounded_to_the_byte(size: int, refused: bool, encoding: str) -> None:
    plain = b"a" * size
    raw = gzip.compress(plain) if encoding == "gzip" else zlib.compress(plain)
    if refused:
        with pytest.raises(SignalWireResponseError, match="body over 8388608 bytes"):
            inflate_bounded(raw, encoding, **CALL)  # type: ignore[arg-type]
    else:
        assert inflate_bounded(raw, encoding, **CALL) == plain  # type: ignore[arg-type]


def test_gzip_members_are_read_in_turn_up_to_the_cap() -> None:
    half = b"b" * (MAX_BODY_BYTES // 2)
    assert inflate_bounded(gzip.compress(half) * 2, "gzip", **CALL) == half * 2  # type: ignore[arg-type]
    with pytest.raises(SignalWireResponseError, match="body over"):
        inflate_bounded(gzip.compress(half + b"c") * 2, "gzip", **CALL)  # type: ignore[arg-type]


def test_a_raw_deflate_stream_is_read_too() -> None:
    compressor = zlib.compressobj(wbits=-15)
    raw = compressor.compress(b"raw deflate") + compressor.flush()
    assert inflate_bounded(raw, "deflate", **CALL) == b"raw deflate"  # type: ignore[arg-type]


@pytest.mark.parametrize("cut", [1, 5])
def test_a_cut_off_gzip_body_is_refused(cut: int) -> None:
    with pytest.raises(SignalWireResponseError, match="gzip body that does not decompress"):
        inflate_bounded(gzip.compress(b"x" * 100)[:-cut], "gzip", **CALL)  # type: ignore[arg-type]


def test_an_invalid_content_length_names_the_call() -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        check_declared_length({"Content-Length": "x"}, status=200, method="POST", path="/q")
    assert (caught.value.method, caught.value.path, caught.value.status_code) == (
        "POST",
        "/q",
        None,
    )


SECRET = "Tok3n-" + "s" * 20


def test_scrub_data_reaches_every_string_keys_and_list_items_included() -> None:
    data = {
        SECRET: [f"a {SECRET} b", {"inner": [SECRET, 5, None, True]}],
        "plain": "kept",
        "n": 1.5,
    }
    assert scrub_data(data, (SECRET,)) == {
        "***": ["a *** b", {"inner": ["***", 5, None, True]}],
        "plain": "kept",
        "n": 1.5,
    }


@pytest.mark.parametrize(
    ("body", "scrubbed"),
    [
        (f"x{SECRET}y".encode(), b"x***y"),
        (f"x{SECRET}y{SECRET}".encode(), b"x***y***"),
        (b"nothing secret", b"nothing secret"),
    ],
)
def test_scrub_bytes(body: bytes, scrubbed: bytes) -> None:
    assert scrub_bytes(body, (SECRET,)) == scrubbed


def test_deflate_is_one_stream_where_gzip_may_be_several_members() -> None:
    """A deflate body ends with its stream; what follows is not read as another member."""
    two_streams = zlib.compress(b"hello") + zlib.compress(b"world")
    assert inflate_bounded(two_streams, "deflate", **CALL) == b"hello"  # type: ignore[arg-type]
    compressor = zlib.compressobj(wbits=-15)
    raw = compressor.compress(b"one") + compressor.flush()
    assert inflate_bounded(raw + raw, "deflate", **CALL) == b"one"  # type: ignore[arg-type]
    members = gzip.compress(b"hello") + gzip.compress(b"world")
    assert inflate_bounded(members, "gzip", **CALL) == b"helloworld"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("refuse", "message"),
    [
        (
            lambda: inflate_bounded(b"not gzip", "gzip", status=502, method="PUT", path="/r"),
            "SignalWire answered 502 to PUT /r with a gzip body that does not decompress",
        ),
        (
            lambda: content_encoding(
                {"Content-Encoding": "br"}, status=503, method="PUT", path="/r"
            ),
            "SignalWire answered 503 to PUT /r with an unsupported Content-Encoding 'br'",
        ),
    ],
    ids=["undecodable", "unsupported"],
)
def test_a_body_refusal_keeps_the_status_method_and_path(refuse: Any, message: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        refuse()
    assert str(caught.value) == message
    assert (caught.value.status_code, caught.value.method, caught.value.path) == (
        503 if "br" in message else 502,
        "PUT",
        "/r",
    )
