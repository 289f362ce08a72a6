"""
Hypothesis throws arbitrary answers (status, headers, encoding, body) at both clients.

Whatever the server answers, a call returns the conference asked for or raises a
``SignalWireError`` subclass (never ``RecursionError``, ``ValueError`` or anything raw), both
clients agree on which, and no credential the answer echoes survives into the error or result.
The answers are served in-process (a requests adapter, an httpx mock transport), so the ``full``
profile's 10,000 examples per property run in minutes.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import zlib
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import urllib3
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import BASIC, SECRETS, assert_no_secret, leak_surface
from requests.adapters import HTTPAdapter
from signalwire_test_support import PROJECT_ID, TOKEN, connection_json
from test_fuzzed_inputs import FUZZ

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

CONF = "CF0a1b2c3d4e5f60718293a4b5c6d7e8f9"
CONFERENCE = {"sid": CONF, "status": "in-progress", "friendly_name": "x", "account_sid": PROJECT_ID}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
echoes = st.sampled_from([TOKEN, BASIC, f"Basic {BASIC}", ""])


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Bodies near what a client expects: the conference, mangled; or anything at all."""
    kind = draw(st.sampled_from(["conference", "json", "mangled", "deep", "bytes", "echo"]))
    if kind == "conference":
        return json.dumps(
            {**CONFERENCE, **draw(st.dictionaries(st.text(max_size=6), json_values, max_size=3))}
        ).encode()
    if kind == "json":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    if kind == "mangled":
        text = bytearray(json.dumps(CONFERENCE).encode())
        for _ in range(draw(st.integers(1, 4))):
            position = draw(st.integers(0, len(text)))
            text[position:position] = draw(st.binary(min_size=1, max_size=4))
        return bytes(text)
    if kind == "deep":
        depth = draw(st.integers(50, 5000))
        return (
            b'{"sid": "%s", "status": "init", "x": ' % CONF.encode()
            + b"[" * depth
            + b"]" * depth
            + b"}"
        )
    if kind == "echo":
        secret = draw(echoes)
        return json.dumps({"message": f"echo {secret}", "code": secret, **CONFERENCE}).encode()
    return draw(st.binary(max_size=64))


answers = st.tuples(
    st.sampled_from([200, 201, 204, 301, 400, 401, 404, 422, 429, 500, 502, 503]),
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/html", ""]),
    st.sampled_from(["", "identity", "gzip", "deflate", "br", "gzip, gzip"]),
    st.sampled_from(["", "-1", "nan", "1", "soon"]),
    bodies(),
)


def encode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    return body


def headers_of(content_type: str, encoding: str, retry_after: str) -> dict[str, str]:
    headers = {
        "Content-Type": content_type,
        "Content-Encoding": encoding,
        "Retry-After": retry_after,
    }
    return {name: value for name, value in headers.items() if value}


class CannedAdapter(HTTPAdapter):
    """Answers every request of the sync hook with the current canned answer."""

    answer: tuple[int, dict[str, str], bytes] = (200, {}, b"")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        status, headers, body = self.answer
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status, preload_content=False
        )
        return self.build_response(request, raw)


Clients = tuple[SignalWireHook, CannedAdapter, SignalWireAsyncHook, asyncio.AbstractEventLoop]


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json("http://127.0.0.1:9"))
    adapter = CannedAdapter()
    hook = SignalWireHook(max_attempts=1)
    hook.transport.session.mount("http://", adapter)

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = adapter.answer
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    real_init = httpx.AsyncClient.__init__

    def init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **{**kwargs, "transport": httpx.MockTransport(handler)})

    mp.setattr(httpx.AsyncClient, "__init__", init)
    async_hook = SignalWireAsyncHook(max_attempts=1)
    loop = asyncio.new_event_loop()  # one loop for every example: the async client lives in it
    yield hook, adapter, async_hook, loop
    loop.run_until_complete(async_hook.aclose())
    loop.close()
    hook.close()
    mp.undo()


def outcome(call: Any) -> Any:
    try:
        return ("result", call())
    except SignalWireError as err:
        assert_no_secret(leak_surface(err))
        return ("error", type(err).__name__)


@FUZZ
@given(answer=answers)
def test_both_clients_end_the_same_way(
    clients: Clients, answer: tuple[int, str, str, str, bytes]
) -> None:
    hook, adapter, async_hook, loop = clients
    status, content_type, encoding, retry_after, body = answer
    # HTTP has no body for 204: a server's bytes would be read as the next answer.
    sent = b"" if status == 204 else encode(body, encoding)
    adapter.answer = (status, headers_of(content_type, encoding, retry_after), sent)

    sync = outcome(lambda: hook.get_conference(CONF))
    asynchronous = outcome(lambda: loop.run_until_complete(async_hook.get_conference(CONF)))

    assert sync == asynchronous
    if sync[0] == "result":
        assert sync[1]["sid"] == CONF
        assert_no_secret(json.dumps(sync[1]))
    assert all(secret not in repr(sync) for secret in SECRETS)
