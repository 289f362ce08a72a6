"""
What both halves of the fault matrix share: the strict ``expect``, bodies and the tables of cases.

``test_fault_matrix.py`` runs its cases for both clients; ``test_fault_matrix_stream_calls.py``
runs the stream calls (stop, start) that only the sync hook has.
"""

from __future__ import annotations

import errno
import gzip
import socket
import tracemalloc
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import pytest
from reliability_support import assert_no_secret, leak_surface
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRequestError,
)
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES
from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable

#: Peak memory of a refused huge body must stay well under this.
MEMORY_CEILING = 3 * MAX_BODY_BYTES
HUGE = 20 * 1024 * 1024
HTML = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
REDIRECTS = [301, 302, 303, 307, 308]


def expect(error: type[SignalWireError], call: Callable[[], Any]) -> SignalWireError:
    """Run ``call``, demand exactly ``error`` (not a subclass), and check it leaks nothing."""
    with pytest.raises(SignalWireError) as caught:
        call()
    assert type(caught.value) is error, repr(caught.value)
    assert_no_secret(leak_surface(caught.value))
    return caught.value


def closed_port_url() -> str:
    """The URL of a loopback port that was just free again: connecting there is refused."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        return emu.url


#: How a connection can fail before anything is sent -> what the error says about it.
CONNECT_FAILURES = {
    "name-does-not-resolve": "the host name did not resolve",
    "network-unreachable": "connection was not established",
}


def fail_to_connect_once(monkeypatch: pytest.MonkeyPatch, how: str) -> list[str]:
    """
    Make the next connection fail before it is established, as ``how`` says; no network is used.

    ``name-does-not-resolve`` makes one host name lookup fail as a DNS failure does;
    ``network-unreachable`` makes one ``connect()`` fail with ``ENETUNREACH``. Later lookups and
    connects work as usual, so a retry reaches the local server.

    :return: what failed (the host name looked up, or the address connected to).
    """
    failed: list[str] = []
    if how == "name-does-not-resolve":
        real_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
            if not failed:
                failed.append(host)
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    else:
        real_connect = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> None:
            if not failed:
                failed.append(str(address[0]))
                raise OSError(errno.ENETUNREACH, "Network is unreachable")
            real_connect(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
    return failed


def http_date(seconds_from_now: float) -> str:
    return format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True
    )


def retry_after_value(spec: str | None) -> str | None:
    """A ``Retry-After`` value from a case's spec: ``date:+N`` is an HTTP date N seconds ahead."""
    if spec is not None and spec.startswith("date:"):
        return http_date(float(spec.removeprefix("date:")))
    return spec


def peak_while(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """Run ``call`` under tracemalloc; return what it raised and the peak traced bytes."""
    tracemalloc.start()
    try:
        call()
    except BaseException as exc:
        raised: BaseException | None = exc
    else:
        raised = None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


def gzip_bomb(size: int = 40 * 1024 * 1024) -> bytes:
    """A ~40 KB gzip body that inflates to ``size`` bytes."""
    return gzip.compress(b"\0" * size, compresslevel=9)


ERROR_SHAPES: dict[str, tuple[Any, Any, str | None, str | None]] = {
    # shape: (body, code, api_message, more_info)
    "code-message": (
        {
            "code": 21220,
            "message": "Invalid Url parameter",
            "more_info": "https://developer.signalwire.com/compatibility-api/errors/21220",
            "status": 0,
        },
        21220,
        "Invalid Url parameter",
        "https://developer.signalwire.com/compatibility-api/errors/21220",
    ),
    "errors-strings": (
        {"errors": ["Url is invalid", "Track must be one of inbound_track, outbound_track"]},
        None,
        "Url is invalid; Track must be one of inbound_track, outbound_track",
        None,
    ),
    "errors-objects": (
        {
            "errors": [
                {
                    "code": "invalid_parameter",
                    "message": "Url must use wss",
                    "more_info": "https://developer.signalwire.com/errors/invalid_parameter",
                },
                {"code": "missing_parameter", "message": "Name is required"},
            ]
        },
        "invalid_parameter",
        "Url must use wss; Name is required",
        "https://developer.signalwire.com/errors/invalid_parameter",
    ),
    "html": (HTML, None, f"non-JSON body: {HTML}", None),
    "empty": (b"", None, None, None),
}


def error_body(shape: str, status: int) -> Any:
    """The body of an error shape as SignalWire would send it with ``status``."""
    body = ERROR_SHAPES[shape][0]
    if isinstance(body, dict) and "status" in body:
        return {**body, "status": status}
    return body


CLIENT_ERRORS = {
    400: SignalWireRequestError,
    401: SignalWireAuthError,
    403: SignalWireAuthError,
    404: SignalWireNotFoundError,
    409: SignalWireRequestError,
    422: SignalWireRequestError,
}

#: A 200 whose body is no JSON object: (body, Content-Type, what the error says), by case id.
MALFORMED_SUCCESS: dict[str, tuple[bytes, str, str]] = {
    "empty": (b"", "application/json", "an empty body"),
    "blank": (b"   \n", "application/json", "an empty body"),
    "truncated-json": (b'{"sid": "CF1", "status": "in-pro', "application/json", "not JSON"),
    "cut-after-the-first-key": (b'{"sid": "CF', "application/json", "not JSON"),
    "array": (b'[{"sid": "CF1"}]', "application/json", "JSON list instead of an object"),
    "empty-array": (b"[]", "application/json", "JSON list instead of an object"),
    "string": (b'"stopped"', "application/json", "JSON str instead of an object"),
    "null": (b"null", "application/json", "JSON NoneType instead of an object"),
    "html": (HTML.encode(), "text/html", "not JSON (<!DOCTYPE html>"),
    "binary": (b"\xff\xfe\x00garbage", "application/json", "not JSON"),
}
