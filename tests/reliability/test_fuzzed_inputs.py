"""
Hypothesis throws arbitrary strings at every input that ends up in a URL, a host or a form.

Each input either produces exactly the intended request (the intended host, the intended path
segments once percent-decoded, the intended form fields) or raises SignalWireValidationError
before any request. A :class:`RecordingAdapter` stands in for the network, so thousands of
examples run in seconds while seeing the exact ``PreparedRequest`` requests would send.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import urllib3
from airflow.sdk import Connection
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reliability_support import RecordingAdapter
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import API_ROOT, SID_PATTERN
from airflow_provider_signalwire.hooks._connection import normalize_space_url
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.operators.conference import StartConferenceStreamOperator

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from airflow_provider_signalwire.hooks._wire import SignalWireTransport

SPACE = "example.signalwire.com"
#: The loaded Hypothesis profile (tests/reliability/conftest.py): 300 examples, or 10,000 with
#: HYPOTHESIS_PROFILE=full.
FUZZ = settings()
#: Examples run per test, printed at the end of the module (``pytest -s`` shows them).
RUNS: Counter[str] = Counter()

TRICKY = [
    "/", "//", ".", "..", "../", "/..", "%2F", "%2f", "%2e%2e", "%252F", "%", "%zz", "?", "?x=1",
    "#", "#frag", "\\", "@", ":", ";", "&", "=", "+", "~", " ", "\t", "\r\n", "\x00", "\x7f",
    "\u0085", "\u2028", "\u202e", "\ufeff", "é", "\U0001f600", "\ud800", "\udfff", "\uff41", "\uff0f",
    "CF", "ST", "-", "0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c",
]  # fmt: skip
any_text = st.one_of(
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=())),  # controls and lone surrogates
    st.lists(st.sampled_from(TRICKY) | st.text(max_size=3), max_size=8).map("".join),
    st.from_regex(SID_PATTERN, fullmatch=True),
)
sid_text = st.one_of(any_text, st.from_regex(SID_PATTERN, fullmatch=True))


def connection(host: str, port: int | None = None) -> Connection:
    return Connection(
        conn_id="signalwire_default",
        conn_type="signalwire",
        host=host,
        login=PROJECT_ID,
        password=TOKEN,
        port=port,
    )


def recording_hook(
    host: str = SPACE, port: int | None = None
) -> tuple[SignalWireHook, RecordingAdapter]:
    """A hook on ``host`` whose session records requests instead of sending them."""
    adapter = RecordingAdapter()
    hook = RecordingHook(adapter)
    hook.get_connection = lambda conn_id: connection(host, port)  # type: ignore[method-assign]
    hook.transport  # noqa: B018 - validate the settings now: invalid ones raise here
    return hook, adapter


class RecordingHook(SignalWireHook):
    """A hook whose every session, including one rebuilt after ``close()``, records requests."""

    def __init__(self, adapter: RecordingAdapter) -> None:
        super().__init__(max_attempts=1)
        self.adapter = adapter

    @cached_property
    def transport(self) -> SignalWireTransport:
        transport = SignalWireHook.transport.func(self)  # type: ignore[attr-defined]
        transport.session.mount("https://", self.adapter)
        transport.session.mount("http://", self.adapter)
        return transport


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[SignalWireHook, RecordingAdapter]]:
    hook, adapter = recording_hook()
    yield hook, adapter
    hook.close()


@pytest.fixture(scope="module", autouse=True)
def report_runs() -> Iterator[None]:
    yield
    print(f"\nfuzzed examples: {dict(RUNS)}; total {sum(RUNS.values())}")


def decoded_segments(prepared: requests.PreparedRequest) -> list[str]:
    parts = urlsplit(str(prepared.url))
    assert parts.scheme == "https"
    assert parts.hostname == SPACE
    assert parts.port is None
    assert parts.username is None
    assert parts.password is None
    assert parts.fragment == ""
    raw = parts.path.split("/")
    # every byte that could end or change a segment is percent-encoded
    for segment in raw:
        assert not set(segment) & set("?#\\ ")
        assert segment not in {".", ".."}
    return [unquote(segment, errors="strict") for segment in raw]


def form(prepared: requests.PreparedRequest) -> list[tuple[str, str]]:
    body = prepared.body or ""
    text = body.decode() if isinstance(body, bytes) else body
    return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")


def expect_one_request_or_validation_error(
    adapter: RecordingAdapter, call: Any
) -> requests.PreparedRequest | None:
    adapter.sent.clear()
    try:
        call()
    except SignalWireValidationError:
        assert adapter.sent == [], "a request went out before validation failed"
        return None
    [prepared] = adapter.sent
    return prepared


def is_sid(value: str) -> bool:
    return SID_PATTERN.fullmatch(value) is not None


def is_stream_identifier(value: str) -> bool:
    return (
        0 < len(value) <= 256
        and value not in {".", ".."}
        and not any(unicodedata.category(c) in {"Cc", "Cs"} for c in value)
    )


class TestPathSegments:
    @FUZZ
    @given(conference_sid=sid_text, stream_sid=any_text, account_sid=sid_text)
    @example(conference_sid="CF1", stream_sid="../../Calls/x", account_sid=PROJECT_ID)
    @example(conference_sid="CF1", stream_sid="a%2F..%2Fb?c=d#e", account_sid=PROJECT_ID)
    @example(conference_sid="CF1", stream_sid="ST1", account_sid="..")
    @example(conference_sid="..", stream_sid="ST1", account_sid=PROJECT_ID)
    def test_stop_stream_path_is_exactly_the_segments(
        self,
        recorder: tuple[SignalWireHook, RecordingAdapter],
        conference_sid: str,
        stream_sid: str,
        account_sid: str,
    ) -> None:
        RUNS["stop_conference_stream(conference, stream, account)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter,
            lambda: hook.stop_conference_stream(
                conference_sid, stream_sid, account_sid=account_sid
            ),
        )
        valid = is_sid(conference_sid) and is_sid(account_sid) and is_stream_identifier(stream_sid)
        assert (prepared is not None) is valid
        if prepared is None:
            return
        assert prepared.method == "POST"
        assert urlsplit(str(prepared.url)).query == ""
        assert decoded_segments(prepared) == [
            *API_ROOT.split("/"), "Accounts", account_sid, "Conferences", conference_sid,
            "Streams", stream_sid,
        ]  # fmt: skip
        assert form(prepared) == [("Status", "stopped")]

    @FUZZ
    @given(stream_sid=any_text)
    def test_stream_sid_alone(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], stream_sid: str
    ) -> None:
        RUNS["stop_conference_stream(stream)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter, lambda: hook.stop_conference_stream("CF1", stream_sid)
        )
        assert (prepared is not None) is is_stream_identifier(stream_sid)
        if prepared is not None:
            assert decoded_segments(prepared)[-1] == stream_sid
            assert decoded_segments(prepared)[-4:-1] == ["Conferences", "CF1", "Streams"]

    @FUZZ
    @given(conference_sid=any_text)
    def test_get_conference_path(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], conference_sid: str
    ) -> None:
        RUNS["get_conference(conference)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter, lambda: hook.get_conference(conference_sid)
        )
        assert (prepared is not None) is is_sid(conference_sid)
        if prepared is not None:
            assert prepared.method == "GET"
            assert decoded_segments(prepared)[-2:] == ["Conferences", conference_sid]

    @FUZZ
    @given(name=any_text)
    def test_start_stream_name_is_one_form_field(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], name: str
    ) -> None:
        RUNS["start_conference_stream(name)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter,
            lambda: hook.start_conference_stream("CF1", url="wss://ws.example.com/a", name=name),
        )
        assert (prepared is not None) is is_stream_identifier(name)
        if prepared is not None:
            assert decoded_segments(prepared)[-2:] == ["CF1", "Streams"]
            assert form(prepared) == [("Url", "wss://ws.example.com/a"), ("Name", name)]


# -- the Space URL ------------------------------------------------------------------------

host_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
url_like = st.builds(
    lambda scheme, userinfo, host, port, tail: f"{scheme}{userinfo}{host}{port}{tail}",
    st.sampled_from(["", "https://", "http://", "HTTPS://", "ftp://", "//", "wss://", "https:/"]),
    st.sampled_from(["", "", "", "user@", "u:p@", "evil.com@", "@", "a%40b@"]),
    st.one_of(
        st.lists(host_label, min_size=1, max_size=4).map(".".join),
        st.sampled_from(
            [
                "127.0.0.1",
                "localhost",
                "LocalHost",
                "[::1]",
                "::1",
                "[::ffff:127.0.0.1]",
                "127.1",
                "0x7f.1",
                "2130706433",
                "10.0.0.1",
                "[::1%25eth0]",
                "[fe80::1]",
                "example.signalwire.com",
                "a..b",
                "-a.com",
                "é.com",
                "xn--e1a.com",
                "",
            ]
        ),
    ),
    st.sampled_from(["", "", ":443", ":8765", ":0", ":65536", ":-1", ":x", ":", ":80:80"]),
    st.sampled_from(
        [
            "",
            "",
            "/",
            "//",
            "/x",
            "?",
            "?a=1",
            "#",
            "#f",
            "\\",
            "\\@evil.com",
            "%2F",
            "@evil.com",
            "/..",
        ]
    ),
)
space_text = st.one_of(url_like, any_text)


def reference_host_and_port(value: str, port: int | None) -> tuple[str, int | None]:
    """Where a reference parser (urllib3's, which requests uses) says ``value`` points."""
    text = value.strip()
    if "://" not in text:
        text = f"https://{text}"
    parsed = urllib3.util.parse_url(text)
    return canonical_host(parsed.host), parsed.port if parsed.port is not None else port


def canonical_host(host: str | None) -> str:
    """Lower-case, unbracketed, with an IPv6 zone's ``%25`` read as ``%`` (RFC 6874)."""
    return (host or "").strip("[]").lower().replace("%25", "%")


class TestSpaceUrl:
    @FUZZ
    @given(space=space_text, port=st.one_of(st.none(), st.integers(1, 65535)))
    @example(space="https://evil.com\\@example.signalwire.com", port=None)
    @example(space="https://example.signalwire.com#@evil.com", port=None)
    @example(space="https://example.signalwire.com:443@evil.com", port=None)
    @example(space="http://127.0.0.1.evil.com", port=8765)
    @example(space="http://[::1]", port=8765)
    @example(space="[::1]x", port=None)  # urlsplit drops what follows "]"; urllib3 refuses it
    def test_space_url_reaches_exactly_the_intended_host(
        self, space: str, port: int | None
    ) -> None:
        RUNS["Space URL (connection host + port)"] += 1
        try:  # the session is built only from valid settings: no request can leave before
            hook, adapter = recording_hook(space, port)
        except SignalWireValidationError:
            return
        prepared = expect_one_request_or_validation_error(
            adapter, lambda: hook.get_conference("CF1")
        )
        assert prepared is not None
        origin = hook.settings.base_url
        sent = urlsplit(str(prepared.url))
        normalized = urlsplit(origin)
        # the origin is an origin: no credentials, path, query or fragment
        assert normalized.username is None
        assert normalized.password is None
        assert normalized.path == ""
        assert normalized.query == ""
        assert normalized.fragment == ""
        assert normalized.scheme in {"https", "http"}
        # it names the host the user wrote, as a reference parser reads it
        want_host, want_port = reference_host_and_port(space, port)
        assert canonical_host(normalized.hostname) == want_host
        assert normalized.port == want_port
        # and requests really goes there
        assert sent.scheme == normalized.scheme
        assert canonical_host(sent.hostname) == want_host
        assert (sent.port or None) == (want_port or None)
        assert str(prepared.url) == f"{origin}{API_ROOT}/Accounts/{PROJECT_ID}/Conferences/CF1"
        if normalized.scheme == "http":
            assert want_host in {"localhost", "::1"} or want_host.startswith(("127.", "::1%"))

    @FUZZ
    @given(space=space_text)
    def test_normalize_space_url_is_idempotent(self, space: str) -> None:
        RUNS["normalize_space_url idempotence"] += 1
        try:
            origin = normalize_space_url(space)
        except SignalWireValidationError:
            return
        assert normalize_space_url(origin) == origin


# -- StartConferenceStreamOperator's url and parameters -----------------------------------

wss_like = st.builds(
    lambda scheme, host, tail: f"{scheme}{host}{tail}",
    st.sampled_from(
        ["wss://", "WSS://", "ws://", "https://", "wss:/", "wss:", "wss:///", "", "//"]
    ),
    st.one_of(
        st.lists(host_label, min_size=1, max_size=3).map(".".join),
        st.sampled_from(["", "@", "u:p@h", "[::1]", "[::1", "h:99999", "h:x", "é.com", " h"]),
    ),
    st.one_of(st.just(""), st.just("/a?b=c#d"), any_text),
)


def operator_with(recorder_hook: SignalWireHook, **kwargs: Any) -> StartConferenceStreamOperator:
    op = StartConferenceStreamOperator(task_id="start_stream", conference_sid="CF1", **kwargs)
    op.__dict__["hook"] = recorder_hook  # the cached_property, pre-filled
    return op


class FakeTaskInstance:
    def xcom_push(self, key: str, value: Any) -> None:
        pass


CONTEXT: Any = {"ti": FakeTaskInstance()}


class TestStartOperatorInputs:
    @FUZZ
    @given(url=st.one_of(wss_like, any_text))
    @example(url="wss://ws.example.com/a")
    @example(url="wss://")
    @example(url="ws://ws.example.com/a")
    @example(url="wss://ws.example.com:99999/a")
    @example(url="wss://%")  # found by Hypothesis: urlsplit sees a host, nobody else does
    @example(url="wss://[::1]0")  # found by Hypothesis: urlsplit drops the "0"
    def test_url_is_wss_with_a_host_or_refused(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], url: str
    ) -> None:
        RUNS["StartConferenceStreamOperator(url)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter, lambda: operator_with(hook, url=url).execute(CONTEXT)
        )
        if prepared is None:
            return
        assert decoded_segments(prepared)[-2:] == ["CF1", "Streams"]
        assert form(prepared) == [("Url", url)]
        parts = urlsplit(url)
        assert parts.scheme.lower() == "wss"
        assert parts.hostname
        try:
            reference = urllib3.util.parse_url(url)
        except urllib3.exceptions.LocationParseError as err:
            pytest.fail(f"{url!r} was sent as a stream URL, but is not a URL: {err}")
        assert (reference.scheme or "").lower() == "wss"
        assert reference.host

    @pytest.mark.parametrize(
        "url",
        ["wss://%", "wss://%41", "wss://<script>/", "wss://{host}/a", "wss://a..b/", "wss://-a.com",
         "wss://a_b.com\\x", "wss://\"q\"/"],
    )  # fmt: skip
    def test_url_host_must_be_a_host_name(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], url: str
    ) -> None:
        """
        A stream URL's host must be a host name, by the Space URL's own rule (``_is_valid_host``).

        ``urlsplit`` puts whatever stands between ``//`` and the path into ``hostname``: ``wss://%``
        or ``wss://<script>/`` are refused before any request instead of being sent on.
        """
        hook, adapter = recorder
        adapter.sent.clear()

        with pytest.raises(SignalWireValidationError, match="url"):
            operator_with(hook, url=url).execute(CONTEXT)
        assert adapter.sent == []

    @FUZZ
    @given(
        parameters=st.one_of(
            st.dictionaries(any_text, st.one_of(any_text, st.integers()), max_size=12),
            # around the limit of 99; cheap names, since the point is the count
            st.integers(96, 102).map(lambda n: {f"name{i}": i for i in range(n)}),
        )
    )
    @example(parameters={})
    @example(parameters={"": "x"})
    @example(parameters={"Url": "wss://evil.example.com", "Parameter2.Name": "x&Status=stopped"})
    @example(parameters={f"p{i}": i for i in range(99)})
    @example(parameters={f"p{i}": i for i in range(100)})
    def test_parameters_are_exact_pairs_or_refused(
        self, recorder: tuple[SignalWireHook, RecordingAdapter], parameters: dict[str, Any]
    ) -> None:
        RUNS["StartConferenceStreamOperator(parameters)"] += 1
        hook, adapter = recorder
        prepared = expect_one_request_or_validation_error(
            adapter,
            lambda: operator_with(
                hook, url="wss://ws.example.com/a", parameters=parameters
            ).execute(CONTEXT),
        )
        sendable = all(
            not any(unicodedata.category(c) == "Cs" for c in text)
            for text in (*parameters, *(v for v in parameters.values() if isinstance(v, str)))
        )
        valid = len(parameters) <= 99 and all(parameters) and sendable
        assert (prepared is not None) is valid
        if prepared is None:
            return
        expected = [("Url", "wss://ws.example.com/a")]
        for index, (name, value) in enumerate(parameters.items(), start=1):
            expected += [(f"Parameter{index}.Name", name), (f"Parameter{index}.Value", str(value))]
        assert form(prepared) == expected

    def test_huge_integer_parameter_is_a_validation_error(
        self, recorder: tuple[SignalWireHook, RecordingAdapter]
    ) -> None:
        """
        An int past Python's 4300-digit conversion limit is refused as a validation error.

        ``str(value)`` would raise a plain ``ValueError``; the check names the parameter instead.
        """
        hook, adapter = recorder
        adapter.sent.clear()
        op = operator_with(hook, url="wss://ws.example.com/a", parameters={"big": 10**5000})

        with pytest.raises(SignalWireValidationError, match=r"parameters\['big'\]"):
            op.execute(CONTEXT)
        assert adapter.sent == []
