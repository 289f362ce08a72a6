"""
Inflating a compressed body right at :data:`MAX_BODY_BYTES`, and past it over several members.

A stream that is cut off is refused even when what it holds so far is exactly the cap, and a
gzip body of several members is inflated no further than one byte past the cap: memory stays
bounded by the cap, not by the members' sum.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES, inflate_bounded


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_cut_off_stream_holding_exactly_the_cap_is_refused(encoding: str) -> None:
    plain = b"a" * MAX_BODY_BYTES
    whole = gzip.compress(plain) if encoding == "gzip" else zlib.compress(plain)
    assert inflate_bounded(whole, encoding, status=200, method="GET", path="/p") == plain

    cut = whole[:-1]  # the last byte of the checksum is missing
    with pytest.raises(SignalWireResponseError, match=f"{encoding} body that does not decompress"):
        inflate_bounded(cut, encoding, status=200, method="GET", path="/p")


def test_gzip_members_past_the_cap_are_not_inflated_in_full() -> None:
    members = gzip.compress(b"a" * MAX_BODY_BYTES) * 4
    tracing = tracemalloc.is_tracing()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    try:
        with pytest.raises(SignalWireResponseError, match="body over 8388608 bytes"):
            inflate_bounded(members, "gzip", status=200, method="GET", path="/p")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing:
            tracemalloc.stop()

    # A member inflated, and the body it is added to: about 2 x the cap. Inflating a second
    # member in full too would take about twice that.
    assert peak - before < 3 * MAX_BODY_BYTES
