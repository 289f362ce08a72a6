"""
Argument checks of ``hooks/_validation.py`` as tables: each refusal's exact message, each limit.

The message is the contract here: it names the argument and the value (cut short), and says
what would be accepted. Written out in full so that a changed word is a failing test.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import (
    check_max_concurrency,
    check_max_pages,
    check_participant_update,
    check_pool_size,
    check_retry_knobs,
    check_timeout,
    json_argument,
    show_value,
    stream_pairs,
    stream_parameters_form,
    validate_stream_identifier,
    validate_wss_url,
)
from airflow_provider_signalwire.hooks._conferences import (
    check_conference_filters,
    exactly_one_target,
    validate_friendly_name,
    validate_target_status,
)

HUNDRED = {str(n): n for n in range(100)}
STATUSES = "expected one of init, in-progress, completed or a non-empty list of them."

PARAMETER_REFUSALS: list[tuple[Any, str, str]] = [
    ("x", "Invalid parameters 'x': expected a dict of names to values.", "not a dict"),
    (HUNDRED, "Invalid parameters '<100 items>': at most 99 allowed.", "100 parameters"),
    ({"": 1}, "Invalid parameters name '': expected a non-empty string.", "an empty name"),
    ({5: 1}, "Invalid parameters name 5: expected a non-empty string.", "a name not a string"),
    (
        {"a\ud800": 1},
        "Invalid parameters name 'a\\ud800': expected a non-empty string.",
        "a name with a lone surrogate",
    ),
    ({"a": True}, "Invalid parameters['a'] True: expected a string or number.", "a bool value"),
    ({"a": None}, "Invalid parameters['a'] None: expected a string or number.", "a None value"),
    (
        {"a": "\ud800"},
        "Invalid parameters['a'] '\\ud800': lone surrogates cannot be sent.",
        "a value with a lone surrogate",
    ),
    (
        {"a": 10**5000},
        "Invalid parameters['a'] <int too large to show>: too large to send.",
        "an int past Python's conversion limit",
    ),
]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [row[:2] for row in PARAMETER_REFUSALS],
    ids=[row[2] for row in PARAMETER_REFUSALS],
)
def test_stream_parameters_refused(parameters: Any, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        stream_parameters_form(parameters)

    assert str(caught.value) == message


def test_stream_parameters_are_numbered_fields() -> None:
    assert stream_parameters_form({"a": 1, "b": "x", "c": 1.5}) == {
        "Parameter1.Name": "a",
        "Parameter1.Value": "1",
        "Parameter2.Name": "b",
        "Parameter2.Value": "x",
        "Parameter3.Name": "c",
        "Parameter3.Value": "1.5",
    }
    assert stream_parameters_form(None) == {}
    assert len(stream_parameters_form({str(n): n for n in range(99)})) == 198  # the most allowed


NEED_HOST = "SignalWire streams need a wss:// URL with a host"
WSS_REFUSALS: list[tuple[Any, str, str]] = [
    (5, "Invalid url 5: expected a wss:// URL.", "not a string"),
    ("wss://a.example/\x00", "Invalid url 'wss://a.example/\\x00': expected a wss:// URL.", "a control character"),
    (
        "wss://a.example:99999/",
        "Invalid url 'wss://a.example:99999/': not a URL (Port out of range 0-65535).",
        "a port out of range",
    ),
    ("ws://a.example/", f"Invalid url 'ws://a.example/': {NEED_HOST}.", "ws:// instead of wss://"),
    ("wss:///x", f"Invalid url 'wss:///x': {NEED_HOST}.", "no host"),
    ("wss://a .example/x", f"Invalid url 'wss://a .example/x': {NEED_HOST}.", "a space in the host"),
    ("wss://a.example/x y", f"Invalid url 'wss://a.example/x y': {NEED_HOST}.", "a space in the path"),
    (
        "wss://" + "\u00fc" * 70 + ".example/a",
        f"Invalid url 'wss://{chr(0xFC) * 70}.example/a': {NEED_HOST}.",
        "a host IDNA cannot encode (label too long)",
    ),
    ("wss://a..example/x", f"Invalid url 'wss://a..example/x': {NEED_HOST}.", "an empty label"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "message"), [row[:2] for row in WSS_REFUSALS], ids=[row[2] for row in WSS_REFUSALS]
)
def test_wss_url_refused(url: Any, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        validate_wss_url(url)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    "url",
    [
        "wss://media.example.com/a",
        "wss://b\u00fccher.example/a",
        "WSS://a.example:8443/x",
        "wss://user:pass@media.example.com/a",
        "wss://user@[2001:db8::1]:8443/a",
    ],
)
def test_wss_url_accepted_as_given(url: str) -> None:
    assert validate_wss_url(url) == url


def test_wss_url_names_the_argument() -> None:
    with pytest.raises(SignalWireValidationError, match=r"^Invalid status_callback 'ws://a/': "):
        validate_wss_url("ws://a/", "status_callback")


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (64, True), (65, False)])
def test_max_concurrency_limits(value: int, ok: bool) -> None:
    if ok:
        assert check_max_concurrency(value) == value
        return
    with pytest.raises(SignalWireValidationError) as caught:
        check_max_concurrency(value)
    assert (
        str(caught.value) == f"Invalid max_concurrency {value}: expected an integer from 1 to 64."
    )


KNOB_REFUSALS: list[tuple[Any, str, str]] = [
    (lambda: check_max_pages(0), "Invalid max_pages 0: expected a whole number from 1 to 1000000.", "no page"),
    (lambda: check_max_pages(-3), "Invalid max_pages -3: expected a whole number from 1 to 1000000.", "negative pages"),
    (lambda: check_max_pages(True), "Invalid max_pages True: expected a whole number from 1 to 1000000.", "pages as a bool"),
    (lambda: check_max_pages(2.0), "Invalid max_pages 2.0: expected a whole number from 1 to 1000000.", "pages as a float"),
    (lambda: check_max_pages("5"), "Invalid max_pages '5': expected a whole number from 1 to 1000000.", "pages as a string"),
    (lambda: check_retry_knobs(0, 1, 1), "Invalid max_attempts 0: expected a whole number from 1 to 100.", "no attempt"),
    (lambda: check_retry_knobs(True, 1, 1), "Invalid max_attempts True: expected a whole number from 1 to 100.", "attempts as a bool"),
    (lambda: check_retry_knobs(2.0, 1, 1), "Invalid max_attempts 2.0: expected a whole number from 1 to 100.", "attempts as a float"),
    (lambda: check_retry_knobs(1, -0.5, 1), "Invalid initial_backoff -0.5: expected seconds, 0 <= s <= 3600.", "a negative backoff"),
    (lambda: check_retry_knobs(1, False, 1), "Invalid initial_backoff False: expected seconds, 0 <= s <= 3600.", "a backoff as a bool"),
    (lambda: check_retry_knobs(-(10**5000), 1, 1), "Invalid max_attempts <int too large to show>: expected a whole number from 1 to 100.", "a huge int is not shown"),
    (lambda: check_retry_knobs(1, 1, "2"), "Invalid max_backoff '2': expected seconds, 0 <= s <= 3600.", "a cap as a string"),
    (lambda: check_timeout("soon"), "Invalid timeout 'soon': expected seconds, 0 < s <= 3600.", "a timeout that is no number"),
    (lambda: check_timeout(True), "Invalid timeout True: expected seconds, 0 < s <= 3600.", "a timeout as a bool"),
    (lambda: check_timeout(3600.5), "Invalid timeout 3600.5: expected seconds, 0 < s <= 3600.", "a timeout over an hour"),
    (lambda: check_max_pages(1_000_001), "Invalid max_pages 1000001: expected a whole number from 1 to 1000000.", "a million pages and one"),
    (lambda: check_retry_knobs(101, 1, 1), "Invalid max_attempts 101: expected a whole number from 1 to 100.", "101 attempts"),
    (lambda: check_retry_knobs(1, float("nan"), 1), "Invalid initial_backoff nan: expected seconds, 0 <= s <= 3600.", "a NaN backoff"),
    (lambda: check_retry_knobs(1, 1, float("inf")), "Invalid max_backoff inf: expected seconds, 0 <= s <= 3600.", "an infinite cap"),
    (lambda: check_retry_knobs(1, 1, -float("inf")), "Invalid max_backoff -inf: expected seconds, 0 <= s <= 3600.", "a cap of minus infinity"),
    (lambda: check_retry_knobs(1, 3600.5, 1), "Invalid initial_backoff 3600.5: expected seconds, 0 <= s <= 3600.", "a backoff over an hour"),
    (lambda: check_retry_knobs(1, 10**400, 1), f"Invalid initial_backoff {'1' + '0' * 116}...: expected seconds, 0 <= s <= 3600.", "a backoff too large for a float"),
    (lambda: check_timeout(float("nan")), "Invalid timeout nan: expected seconds, 0 < s <= 3600.", "a NaN timeout"),
    (lambda: check_timeout(10**400), f"Invalid timeout {'1' + '0' * 116}...: expected seconds, 0 < s <= 3600.", "a timeout too large for a float"),
    (lambda: check_timeout("1e400"), "Invalid timeout '1e400': expected seconds, 0 < s <= 3600.", "a timeout string past a float"),
    (lambda: check_timeout(0), "Invalid timeout 0: expected seconds, 0 < s <= 3600.", "no timeout at all"),
    (lambda: check_pool_size(0), "Invalid pool_size 0: expected a whole number from 1 to 256.", "no connection"),
    (lambda: check_pool_size(257), "Invalid pool_size 257: expected a whole number from 1 to 256.", "257 connections"),
    (lambda: check_pool_size(float("nan")), "Invalid pool_size nan: expected a whole number from 1 to 256.", "a NaN pool"),
]  # fmt: skip


def test_knob_limits_accepted() -> None:
    assert check_max_pages(1) == 1
    assert check_max_pages(10**6) == 10**6
    assert check_pool_size(1) == 1
    assert check_pool_size(256) == 256
    check_retry_knobs(1, 0, 0)
    check_retry_knobs(5, 0.5, 30)
    check_retry_knobs(100, 3600, 3600)
    assert check_timeout(10**-3) == 0.001
    assert check_timeout(None) is None
    assert check_timeout("") is None
    assert check_timeout("0.25") == 0.25
    assert check_timeout(3600) == 3600.0


@pytest.mark.parametrize(("length", "ok"), [(0, False), (1, True), (64, True), (65, False)])
def test_friendly_name_limits(length: int, ok: bool) -> None:
    name = "n" * length
    if ok:
        assert validate_friendly_name(name) == name
        return
    with pytest.raises(SignalWireValidationError) as caught:
        validate_friendly_name(name)
    assert str(caught.value) == (
        f"Invalid friendly_name {name!r}: expected a string of 1 to 64 characters."
    )


def test_participant_update_names_the_call_and_the_fields() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        check_participant_update({"muted": True, "colour": 1})

    assert str(caught.value).startswith(
        "Unknown update_participant field(s): ['colour']; SignalWire's API defines only "
        "announce_method (AnnounceMethod), "
    )


OTHER_REFUSALS: list[tuple[Any, str, str]] = [
    (lambda: stream_pairs("not json"), "Invalid streams 'not json': expected a list or its JSON.", "streams not JSON"),
    (lambda: stream_pairs({"a": 1}), "Invalid streams {'a': 1}: expected a list.", "streams not a list"),
    (lambda: stream_pairs([5]), "Invalid streams[0] 5: expected a dict with conference_sid and stream_sid.", "an entry not a dict"),
    (
        lambda: stream_pairs([{"conference_sid": "bad/", "stream_sid": "ST1"}]),
        "streams[0]: Invalid conference_sid 'bad/': expected 1-64 ASCII letters, digits or hyphens.",
        "an entry's conference_sid",
    ),
    (
        lambda: stream_pairs([{"conference_sid": "CF1", "stream_sid": ""}]),
        "streams[0]: Invalid stream_sid '': expected a non-empty string.",
        "an entry's stream_sid",
    ),
    (lambda: check_participant_update({"muted": "yes"}), "Invalid muted 'yes': expected True or False.", "a flag not a bool"),
    (
        lambda: validate_stream_identifier("a\ud800"),
        "Invalid stream_sid 'a\\ud800': control characters and lone surrogates are not allowed.",
        "a lone surrogate in a stream name",
    ),
    (lambda: json_argument("parameters", "{", dict), "Invalid parameters '{': expected a dict or its JSON.", "JSON that does not parse"),
    (lambda: validate_target_status("ended"), f"Invalid target_status 'ended': {STATUSES}", "an unknown status"),
    (lambda: validate_target_status([]), f"Invalid target_status []: {STATUSES}", "an empty list of statuses"),
    (lambda: validate_target_status(5), f"Invalid target_status 5: {STATUSES}", "a status not a string"),
    (lambda: validate_target_status("x" * 10_000), f"Invalid target_status {show_value('x' * 10_000)}: {STATUSES}", "a huge status is cut short"),
    (lambda: validate_target_status(["completed", "x"]), f"Invalid target_status ['completed', 'x']: {STATUSES}", "one unknown status in a list"),
    (lambda: exactly_one_target("Sensor", None, None), "Sensor needs exactly one of conference_sid and friendly_name; got conference_sid=None, friendly_name=None.", "neither SID nor name"),
    (lambda: exactly_one_target("Sensor", "CF1", "n"), "Sensor needs exactly one of conference_sid and friendly_name; got conference_sid='CF1', friendly_name='n'.", "both SID and name"),
    (lambda: json_argument("parameters", 5, dict), "Invalid parameters 5: expected a dict.", "neither the type nor JSON"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "message"),
    [row[:2] for row in OTHER_REFUSALS + KNOB_REFUSALS],
    ids=[row[2] for row in OTHER_REFUSALS + KNOB_REFUSALS],
)
def test_other_refusals(call: Any, message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        call()

    assert str(caught.value) == message


def test_json_arguments_and_stream_pairs_accepted() -> None:
    assert json_argument("parameters", '{"a": 1}', dict) == {"a": 1}
    assert stream_pairs('[{"conference_sid": "CF1", "stream_sid": "ST1"}]') == [("CF1", "ST1")]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a" * 118, repr("a" * 118)),
        ("a" * 119, repr("a" * 119)[:117] + "..."),
        (10**5000, "<int too large to show>"),
    ],
    ids=["a value of exactly the limit is shown whole", "one more is cut", "a huge int"],
)
def test_show_value_cuts_at_its_limit(value: object, shown: str) -> None:
    assert show_value(value) == shown
    assert len(show_value(value)) <= 120


def test_target_statuses_come_back_once_each_in_order() -> None:
    assert validate_target_status("completed") == ("completed",)
    assert validate_target_status(["in-progress", "completed", "in-progress"]) == (
        "in-progress",
        "completed",
    )


def test_an_unknown_conference_filter_is_named_with_the_ones_defined() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        check_conference_filters({"Bogus": 1})

    assert str(caught.value).startswith(
        "Unknown list_conferences filter(s): ['Bogus']; SignalWire's API defines only "
        "date_created (DateCreated), "
    )
