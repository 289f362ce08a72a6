"""
Reading a connection into settings (``hooks/_settings.py``) as tables.

Each accepted Space URL maps to exactly one origin, each refused one to its exact message, and a
connection's separate port, timeouts, ``verify`` and token checks to what the clients are built
with. Every refusal names the bad value (never the token) and the connection.
"""

from __future__ import annotations

import base64
import sys
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk._shared.secrets_masker import _secrets_masker

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import show_value
from airflow_provider_signalwire.hooks._connection import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    SignalWireSettings,
    normalize_space_url,
    settings_from_airflow_connection,
    settings_from_connection,
)

PROJECT = "0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c"
TOKEN = "PTsettings-LEAKCHECK-0a1b2c"

# -- the Space URL -------------------------------------------------------------------------------

#: A DNS name of 253 characters, the most a name may have (RFC 1035 without the root's dot).
LONGEST_NAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])

ACCEPTED: list[tuple[str, str]] = [
    ("example.signalwire.com", "https://example.signalwire.com"),
    ("  example.signalwire.com  ", "https://example.signalwire.com"),
    ("\texample.signalwire.com\n", "https://example.signalwire.com"),
    ("https://example.signalwire.com", "https://example.signalwire.com"),
    ("https://example.signalwire.com/", "https://example.signalwire.com"),
    ("HTTPS://Example.SignalWire.COM", "https://example.signalwire.com"),
    ("example.signalwire.com:8443", "https://example.signalwire.com:8443"),
    ("example.signalwire.com:1", "https://example.signalwire.com:1"),
    ("example.signalwire.com:65535", "https://example.signalwire.com:65535"),
    ("https://example.signalwire.com:443/", "https://example.signalwire.com:443"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
    ("http://127.1.2.3", "http://127.1.2.3"),
    ("http://localhost:8765", "http://localhost:8765"),
    ("http://LOCALHOST", "http://localhost"),
    ("http://[::1]:8765", "http://[::1]:8765"),
    ("[::1]:8443", "https://[::1]:8443"),
    ("https://[2001:DB8::1]", "https://[2001:db8::1]"),
    ("1.2.3.4", "https://1.2.3.4"),
    ("my-space.example.co.uk", "https://my-space.example.co.uk"),
    ("a" * 63 + ".example.com", "https://" + "a" * 63 + ".example.com"),
    (LONGEST_NAME, f"https://{LONGEST_NAME}"),
]


@pytest.mark.parametrize(("space", "origin"), ACCEPTED)
def test_space_url_is_normalized(space: str, origin: str) -> None:
    assert normalize_space_url(space) == origin
    assert normalize_space_url(origin) == origin


def refusal(value: str, reason: str) -> str:
    return f"Invalid Space URL {value!r}: {reason}."


NOT_A_HOST = "not a valid host name"
PORT_RANGE = "the port must be from 1 to 65535"
ONLY_HOST = "give only the host, without a path, query or fragment"
PLAIN_HTTP = "plain http:// is allowed only for loopback hosts"

REFUSED: list[tuple[Any, str]] = [
    (None, "Invalid Space URL None: set the connection's host, e.g. example.signalwire.com."),
    ("", "Invalid Space URL '': set the connection's host, e.g. example.signalwire.com."),
    ("   ", "Invalid Space URL '   ': set the connection's host, e.g. example.signalwire.com."),
    (42, "Invalid Space URL 42: set the connection's host, e.g. example.signalwire.com."),
    ("exa mple.com", refusal("exa mple.com", "only printable ASCII without spaces is allowed")),
    ("exämple.com", refusal("exämple.com", "only printable ASCII without spaces is allowed")),
    ("a.\tcom", refusal("a.\tcom", "only printable ASCII without spaces is allowed")),
    ("a.com\x00", refusal("a.com\x00", "only printable ASCII without spaces is allowed")),
    ("ftp://a.com", refusal("ftp://a.com", "the scheme must be https://")),
    ("wss://a.com", refusal("wss://a.com", "the scheme must be https://")),
    (
        "https://u:p@a.com",
        refusal("https://u:p@a.com", "credentials belong in the Project ID and API Token fields"),
    ),
    (
        "https://u@a.com",
        refusal("https://u@a.com", "credentials belong in the Project ID and API Token fields"),
    ),
    ("https://a.com/api", refusal("https://a.com/api", ONLY_HOST)),
    ("https://a.com//", refusal("https://a.com//", ONLY_HOST)),
    ("https://a.com?x=1", refusal("https://a.com?x=1", ONLY_HOST)),
    ("https://a.com?", refusal("https://a.com?", ONLY_HOST)),
    ("https://a.com#", refusal("https://a.com#", ONLY_HOST)),
    ("https://a.com#top", refusal("https://a.com#top", ONLY_HOST)),
    ("http://example.signalwire.com", refusal("http://example.signalwire.com", PLAIN_HTTP)),
    ("http://10.0.0.1:8765", refusal("http://10.0.0.1:8765", PLAIN_HTTP)),
    ("http://localhost.evil.com", refusal("http://localhost.evil.com", PLAIN_HTTP)),
    ("https://", refusal("https://", NOT_A_HOST)),
    ("https://:443", refusal("https://:443", NOT_A_HOST)),
    ("a..com", refusal("a..com", NOT_A_HOST)),
    ("-a.com", refusal("-a.com", NOT_A_HOST)),
    ("a_b.com", refusal("a_b.com", NOT_A_HOST)),
    ("a" * 64 + ".com", refusal("a" * 64 + ".com", NOT_A_HOST)),
    (
        LONGEST_NAME + "d",
        f"Invalid Space URL {show_value(LONGEST_NAME + 'd')}: {NOT_A_HOST}.",
    ),
    ("256.1.1.1", refusal("256.1.1.1", NOT_A_HOST)),
    ("1.2.3", refusal("1.2.3", NOT_A_HOST)),
    ("127.1", refusal("127.1", NOT_A_HOST)),
    ("0x7f.0.0.1", refusal("0x7f.0.0.1", NOT_A_HOST)),
    ("1.2.3.4.5", refusal("1.2.3.4.5", NOT_A_HOST)),
    ("example.123", refusal("example.123", NOT_A_HOST)),
    ("a.com:", refusal("a.com:", NOT_A_HOST)),
    ("[::1]x", refusal("[::1]x", NOT_A_HOST)),
    ("a.com:0", refusal("a.com:0", PORT_RANGE)),
    ("[::1]:0", refusal("[::1]:0", PORT_RANGE)),
    ("a.com:65536", refusal("a.com:65536", "not a URL (Port out of range 0-65535)")),
    (
        "a.com:-1",
        refusal("a.com:-1", "not a URL (Port could not be cast to integer value as '-1')"),
    ),
    ("[::g]", refusal("[::g]", "not a URL ('::g' does not appear to be an IPv4 or IPv6 address)")),
]


@pytest.mark.parametrize(("space", "message"), REFUSED)
def test_space_url_refused_naming_it(space: Any, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        normalize_space_url(space)
    assert str(caught.value) == message


# -- a whole connection --------------------------------------------------------------------------


def settings(**fields: Any) -> SignalWireSettings:
    connection: dict[str, Any] = {
        "host": "example.signalwire.com",
        "login": PROJECT,
        "password": TOKEN,
        "port": None,
        "extra": {},
        "conn_id": "sw_conn",
        **fields,
    }
    return settings_from_connection(**connection)


PORTS: list[tuple[str, int | None, str]] = [
    ("example.signalwire.com", 8443, "https://example.signalwire.com:8443"),
    ("example.signalwire.com/", 8443, "https://example.signalwire.com:8443"),
    ("https://example.signalwire.com", 8443, "https://example.signalwire.com:8443"),
    ("example.signalwire.com:9000", 8443, "https://example.signalwire.com:9000"),
    ("https://example.signalwire.com:9000/", 8443, "https://example.signalwire.com:9000"),
    ("http://127.0.0.1", 8765, "http://127.0.0.1:8765"),
    ("http://127.0.0.1:8000", 8765, "http://127.0.0.1:8000"),
    ("http://[::1]", 8765, "http://[::1]:8765"),
    ("http://[::1]:8000", 8765, "http://[::1]:8000"),
    ("[::1]", 8765, "https://[::1]:8765"),
    ("example.signalwire.com", None, "https://example.signalwire.com"),
    ("example.signalwire.com", 0, "https://example.signalwire.com"),
    ("Example.SignalWire.X", 8443, "https://example.signalwire.x:8443"),
    ("HTTP://LOCALHOST/", 8765, "http://localhost:8765"),
]


@pytest.mark.parametrize(("host", "port", "base_url"), PORTS)
def test_separate_port_is_used_only_when_the_host_names_none(
    host: str, port: int | None, base_url: str
) -> None:
    assert settings(host=host, port=port).base_url == base_url


def test_defaults() -> None:
    built = settings()
    assert built == SignalWireSettings(
        base_url="https://example.signalwire.com", project_id=PROJECT, token=TOKEN
    )
    assert (built.connect_timeout, built.read_timeout) == (10.0, 30.0)
    assert (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT) == (10.0, 30.0)
    assert built.timeout == (10.0, 30.0)
    assert built.verify is True
    assert built.from_number is None


TIMEOUTS: list[tuple[dict[str, Any], float | None, tuple[float, float]]] = [
    ({"timeout": 5}, None, (10.0, 5.0)),
    ({"timeout": "2.5"}, None, (10.0, 2.5)),
    ({"timeout": ""}, None, (10.0, 30.0)),
    ({"timeout": 5}, 7.0, (10.0, 7.0)),
    ({}, 7.0, (10.0, 7.0)),
    ({"connect_timeout": 3}, None, (3.0, 30.0)),
    ({"connect_timeout": "0.5", "timeout": 3600}, None, (0.5, 3600.0)),
]


@pytest.mark.parametrize(("extra", "override", "timeouts"), TIMEOUTS)
def test_timeouts(
    extra: dict[str, Any], override: float | None, timeouts: tuple[float, float]
) -> None:
    assert settings(extra=extra, timeout=override).timeout == timeouts


VERIFY: list[tuple[Any, bool]] = [
    (None, True),
    ("", True),
    (True, True),
    ("true", True),
    (" Yes ", True),
    ("1", True),
    ("on", True),
    (False, False),
    ("false", False),
    ("NO", False),
    ("0", False),
    (" off", False),
]


@pytest.mark.parametrize(("value", "verify"), VERIFY)
def test_verify(value: Any, verify: bool) -> None:
    assert settings(extra={"verify": value}).verify is verify


def test_verify_accepts_an_existing_ca_bundle(tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert settings(extra={"verify": str(bundle)}).verify == str(bundle)


def test_from_number() -> None:
    assert settings(extra={"from_number": "+15551230000"}).from_number == "+15551230000"
    assert settings(extra={"from_number": ""}).from_number is None


CONNECTION_REFUSALS: list[tuple[dict[str, Any], str]] = [
    (
        {"host": "ftp://a.com"},
        "Connection 'sw_conn': Invalid Space URL 'ftp://a.com': the scheme must be https://.",
    ),
    (
        {"host": None},
        "Connection 'sw_conn': Invalid Space URL '': set the connection's host, "
        "e.g. example.signalwire.com.",
    ),
    (
        {"host": "a.com", "port": 70000},
        "Connection 'sw_conn': Invalid Space URL 'a.com:70000': "
        "not a URL (Port out of range 0-65535).",
    ),
    (
        {"login": "bad project"},
        "Connection 'sw_conn': Invalid Project ID (connection login) 'bad project': "
        "expected 1-64 ASCII letters, digits or hyphens.",
    ),
    (
        {"login": None},
        "Connection 'sw_conn': Invalid Project ID (connection login) None: "
        "expected 1-64 ASCII letters, digits or hyphens.",
    ),
    ({"password": ""}, "Connection 'sw_conn': the API Token (connection password) is empty."),
    ({"password": None}, "Connection 'sw_conn': the API Token (connection password) is empty."),
    (
        {"password": "tök€n"},
        "Connection 'sw_conn': the API Token (connection password) holds non-ASCII characters; "
        "SignalWire API tokens are ASCII. Check what was pasted.",
    ),
    (
        {"extra": {"timeout": 0}},
        "Connection 'sw_conn': Invalid timeout (extra timeout) 0: expected seconds, 0 < s <= 3600.",
    ),
    (
        {"extra": {"timeout": 10**400}},
        f"Connection 'sw_conn': Invalid timeout (extra timeout) {'1' + '0' * 116}...: "
        "expected seconds, 0 < s <= 3600.",
    ),
    (
        {"extra": {"timeout": float("nan")}},
        "Connection 'sw_conn': Invalid timeout (extra timeout) nan: expected seconds, 0 < s <= 3600.",
    ),
    (
        {"extra": {"connect_timeout": "soon"}},
        "Connection 'sw_conn': Invalid connect_timeout (extra connect_timeout) 'soon': "
        "expected seconds, 0 < s <= 3600.",
    ),
    (
        {"extra": {"connect_timeout": "1e400"}},
        "Connection 'sw_conn': Invalid connect_timeout (extra connect_timeout) '1e400': "
        "expected seconds, 0 < s <= 3600.",
    ),
    (
        {"extra": {"verify": "/no/such/ca.pem"}},
        "Connection 'sw_conn': Invalid verify '/no/such/ca.pem' (extra verify): expected true, "
        "false or the path of an existing CA bundle.",
    ),
    (
        {"extra": {"verify": 2}},
        "Connection 'sw_conn': Invalid verify 2 (extra verify): expected true, false or the path "
        "of an existing CA bundle.",
    ),
]


#: A separate port joins the host only where the host names none, whatever else the host holds:
#: the refusal then names the host with the port, as it was checked.
PORT_JOINED_REFUSALS: list[tuple[str, str]] = [
    (
        "a.com/x:y/z",
        "Invalid Space URL 'a.com/x:y/z:8443': give only the host, without a path, query or "
        "fragment.",
    ),
    (
        "https://a.com/p://q:1",
        "Invalid Space URL 'https://a.com/p://q:1:8443': give only the host, without a path, "
        "query or fragment.",
    ),
    (
        "[::1]a:b]",
        "Invalid Space URL '[::1]a:b]:8443': not a URL (Port could not be cast to integer value "
        "as 'b]:8443').",
    ),
]


@pytest.mark.parametrize(("host", "message"), PORT_JOINED_REFUSALS)
def test_port_joined_to_a_bad_host_is_refused_with_it(host: str, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        settings(host=host, port=8443)
    assert str(caught.value) == f"Connection 'sw_conn': {message}"


@pytest.mark.parametrize(("fields", "message"), CONNECTION_REFUSALS)
def test_connection_refused_naming_the_value(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        settings(**fields)
    assert str(caught.value) == message
    assert TOKEN not in repr(caught.value.args)


def test_bad_from_number_names_the_connection() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        settings(extra={"from_number": "5551230000"})
    message = str(caught.value)
    assert message.startswith(
        "Connection 'sw_conn': Invalid Default From number (extra from_number)"
    )
    assert "'5551230000'" in message


ORIGINS: list[tuple[str, str]] = [
    ("https://example.signalwire.com", "example.signalwire.com:443"),
    ("https://example.signalwire.com:8443", "example.signalwire.com:8443"),
    ("http://127.0.0.1", "127.0.0.1:80"),
    ("http://127.0.0.1:8765", "127.0.0.1:8765"),
    ("http://[::1]", "[::1]:80"),
    ("https://[::1]:9", "[::1]:9"),
]


@pytest.mark.parametrize(("base_url", "origin"), ORIGINS)
def test_origin_names_host_and_port(base_url: str, origin: str) -> None:
    assert SignalWireSettings(base_url=base_url, project_id=PROJECT, token=TOKEN).origin == origin


def test_repr_and_secrets() -> None:
    built = settings()
    assert TOKEN not in repr(built)
    basic = (
        "MGM3ZTlhM2UtMWIyZC00YzVmLThhOWItN2Q2ZTVmNGEzYjJjOlBUc2V0dGluZ3MtTEVBS0NIRUNLLTBhMWIyYw=="
    )
    assert built.secrets == (TOKEN, basic, f"Basic {basic}")


# -- an Airflow connection -----------------------------------------------------------------------


def airflow_connection(**fields: Any) -> SimpleNamespace:
    """The fields of an Airflow ``Connection`` that the settings read."""
    return SimpleNamespace(
        **{"host": "example.signalwire.com", "login": PROJECT, "password": TOKEN, "port": None}
        | fields
    )


def test_an_airflow_connection_is_read_with_its_port_and_id() -> None:
    built = settings_from_airflow_connection(
        airflow_connection(port=8443), {"timeout": 5}, conn_id="sw_conn", timeout=None
    )

    assert built.base_url == "https://example.signalwire.com:8443"
    assert built.read_timeout == 5.0
    with pytest.raises(SignalWireValidationError, match=r"^Connection 'sw_conn': Invalid Space"):
        settings_from_airflow_connection(airflow_connection(host="a..b"), {}, conn_id="sw_conn")


def test_an_airflow_connection_masks_the_token_and_the_basic_values_derived_from_it() -> None:
    token = f"PTmask-{uuid.uuid4().hex}"  # never registered with the masker before
    basic = base64.b64encode(f"{PROJECT}:{token}".encode()).decode()
    line = f"token={token} header=Basic {basic}"

    settings_from_airflow_connection(airflow_connection(password=token), {}, conn_id="sw_conn")

    # Exactly: a mask of the token alone would hide only the tail of the Basic value.
    assert _secrets_masker().redact(line) == "token=*** header=***"


@pytest.mark.parametrize("login", [None, ""], ids=["no login", "an empty login"])
def test_an_airflow_connection_without_a_login_masks_its_token_before_it_is_refused(
    login: str | None,
) -> None:
    token = f"PTmask-{uuid.uuid4().hex}"  # never registered with the masker before
    basic = base64.b64encode(f":{token}".encode()).decode()  # the Basic value of an empty user
    line = f"token={token} header=Basic {basic}"

    with pytest.raises(SignalWireValidationError, match=r"Invalid Project ID"):
        settings_from_airflow_connection(
            airflow_connection(login=login, password=token), {}, conn_id="sw_conn"
        )

    assert _secrets_masker().redact(line) == "token=*** header=***"


def test_without_the_local_masker_each_secret_goes_to_the_sdks_mask_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An Airflow layout without ``airflow.sdk._shared.secrets_masker``: the SDK's own call.
    monkeypatch.setitem(sys.modules, "airflow.sdk._shared.secrets_masker", None)
    masked: list[str] = []
    monkeypatch.setattr("airflow.sdk.log.mask_secret", masked.append)
    token = f"PTmask-{uuid.uuid4().hex}"
    basic = base64.b64encode(f"{PROJECT}:{token}".encode()).decode()

    settings_from_airflow_connection(airflow_connection(password=token), {}, conn_id="sw_conn")

    assert masked == [token, basic, f"Basic {basic}"]
