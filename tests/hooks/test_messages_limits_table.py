"""
Every limit of a message, both sides: numbers, bodies, URLs, senders, and the form they make.

The checks run before any request (``hooks/_messages.py``), so most rows call them directly; the
phone-number and body limits are also sent to the emulator, which must see exactly the accepted
values and nothing of the refused ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._messages import (
    MAX_BODY_LENGTH,
    MessageDraft,
    draft_message,
    message_fields,
    validate_phone_number,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

ALICE, SENDER, OTHER = "+15550100001", "+15550100999", "+15550100888"
SERVICE = "MG0123456789abcdef"
E164 = "expected an E.164 number: + and 2-15 digits"


# -- phone numbers -------------------------------------------------------------------------------

NUMBERS_ACCEPTED = [
    pytest.param("+12", id="2-digits"),
    pytest.param("+" + "9" * 15, id="15-digits"),
    pytest.param("+15550100001", id="us-number"),
    pytest.param("+0123", id="leading-zero"),
]
NUMBERS_REFUSED = [
    pytest.param("+1", "'+1'", id="1-digit"),
    pytest.param("+" + "1" * 16, repr("+" + "1" * 16), id="16-digits"),
    pytest.param("+", "'+'", id="plus-alone"),
    pytest.param("", "''", id="empty"),
    pytest.param("15550100001", "'15550100001'", id="no-plus"),
    pytest.param("++15550100001", "'++15550100001'", id="two-pluses"),
    pytest.param(" +15550100001", "' +15550100001'", id="leading-space"),
    pytest.param("+15550100001\n", "'+15550100001\\n'", id="trailing-newline"),
    pytest.param("+1555010000a", "'+1555010000a'", id="letter"),
    pytest.param("+1555-0100", "'+1555-0100'", id="hyphen"),
    pytest.param("+\u0661\u0662\u0663", "'+\u0661\u0662\u0663'", id="arabic-indic-digits"),
    pytest.param(15550100001, "15550100001", id="integer"),
    pytest.param(None, "None", id="none"),
]


@pytest.mark.parametrize("number", NUMBERS_ACCEPTED)
def test_an_e164_number_is_accepted_as_it_is(number: str) -> None:
    assert validate_phone_number("to", number) == number


@pytest.mark.parametrize(("number", "shown"), NUMBERS_REFUSED)
@pytest.mark.parametrize("parameter", ["to", "from_number"])
def test_anything_else_is_refused_naming_the_parameter_and_value(
    number: object, shown: str, parameter: str
) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        validate_phone_number(parameter, number)
    assert str(caught.value) == f"Invalid {parameter} {shown}: {E164}."


@pytest.mark.parametrize(("number", "shown"), NUMBERS_REFUSED[:-1])
def test_a_bad_sender_number_is_refused_as_from_number(number: object, shown: str) -> None:
    """``None`` is left out: it means "no number given"."""
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "x", from_number=number)
    assert str(caught.value) == f"Invalid from_number {shown}: {E164}."


@pytest.mark.parametrize(("number", "shown"), NUMBERS_REFUSED)
def test_a_bad_recipient_is_refused_as_to(number: object, shown: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(number, "x", from_number=SENDER)
    assert str(caught.value) == f"Invalid to {shown}: {E164}."


@pytest.mark.parametrize(
    ("to", "sent"), [("+12", True), ("+" + "9" * 15, True), ("+1", False), ("+" + "9" * 16, False)]
)
def test_the_e164_limits_decide_what_reaches_signalwire(
    signalwire_default: SignalWireEmulator, to: str, sent: bool
) -> None:
    hook = SignalWireHook(max_attempts=1)
    try:
        if sent:
            hook.send_message(to, body="x", from_number=SENDER)
        else:
            with pytest.raises(SignalWireValidationError, match="Invalid to"):
                hook.send_message(to, body="x", from_number=SENDER)
    finally:
        hook.close()
    forms = [r.form for r in signalwire_default.requests if r.path.endswith("/Messages")]
    assert forms == ([{"To": [to], "From": [SENDER], "Body": ["x"]}] if sent else [])


# -- the body ------------------------------------------------------------------------------------

BODIES_ACCEPTED = [
    pytest.param("x", id="1-character"),
    pytest.param("x" * 1600, id="1600-characters"),
    pytest.param("\u00e9" * 1600, id="1600-non-ascii-characters"),
    pytest.param("\U0001f600" * 1600, id="1600-astral-characters"),
    pytest.param("\ud7ff", id="below-surrogates"),
    pytest.param("\ue000", id="above-surrogates"),
    pytest.param("line\nbreak\ttab", id="control-characters"),
]


@pytest.mark.parametrize("body", BODIES_ACCEPTED)
def test_a_body_up_to_1600_characters_is_kept_whole(body: str) -> None:
    assert MAX_BODY_LENGTH == 1600
    assert draft_message(ALICE, body, from_number=SENDER).body == body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("x" * 1601, "1601 characters; at most 1600 are sent", id="1601-characters"),
        pytest.param("x" * 5000, "5000 characters; at most 1600 are sent", id="5000-characters"),
        pytest.param("a\ud800", "lone surrogates cannot be sent", id="first-surrogate"),
        pytest.param("\udfffb", "lone surrogates cannot be sent", id="last-surrogate"),
        pytest.param(b"x", "expected a string", id="bytes"),
        pytest.param(42, "expected a string", id="integer"),
        pytest.param(None, "a message needs a body, a media_url or both", id="none"),
        pytest.param("", "a message needs a body, a media_url or both", id="empty"),
    ],
)
def test_a_body_is_refused_with_the_reason(body: object, reason: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, body, from_number=SENDER)
    message = str(caught.value)
    assert message.startswith("Invalid body ")
    assert message.endswith(f": {reason}.")


def test_a_long_body_is_shown_cut_short_in_the_error() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "y" * 1601, from_number=SENDER)
    shown = "'" + "y" * 116 + "..."
    assert str(caught.value) == f"Invalid body {shown}: 1601 characters; at most 1600 are sent."


@pytest.mark.parametrize(("length", "sent"), [(1600, True), (1601, False)])
def test_the_body_limit_decides_what_reaches_signalwire(
    signalwire_default: SignalWireEmulator, length: int, sent: bool
) -> None:
    hook = SignalWireHook(max_attempts=1)
    body = "z" * length
    try:
        if sent:
            hook.send_message(ALICE, body=body, from_number=SENDER)
        else:
            with pytest.raises(SignalWireValidationError, match="1601 characters"):
                hook.send_message(ALICE, body=body, from_number=SENDER)
    finally:
        hook.close()
    bodies = [r.form["Body"] for r in signalwire_default.requests if r.path.endswith("/Messages")]
    assert bodies == ([[body]] if sent else [])


# -- URLs: media (https only) and the status callback (http or https) -----------------------------

URLS_ACCEPTED = [
    pytest.param("https://cdn.example.com/a.png", id="plain"),
    pytest.param("https://cdn.example.com", id="host-only"),
    pytest.param("HTTPS://CDN.Example.COM/A.png", id="any-case"),
    pytest.param("https://cdn.example.com:1/a", id="1-digit-port"),
    pytest.param("https://cdn.example.com:65535/a", id="5-digit-port"),
    pytest.param("https://127.0.0.1/a", id="ipv4"),
    pytest.param("https://cdn.example.com?x=1", id="query"),
    pytest.param("https://cdn.example.com#part", id="fragment"),
    pytest.param("https://my-cdn/a%20b", id="single-label-host"),
]
URLS_REFUSED = [
    pytest.param("https://cdn.example.com:123456/a", id="6-digit-port"),
    pytest.param("https://cdn.example.com:/a", id="empty-port"),
    pytest.param("https:///a", id="no-host"),
    pytest.param("https://u:p@cdn.example.com/a", id="credentials"),
    pytest.param("https://[::1]/a", id="ipv6"),
    pytest.param("https://cdn.example.com/a b", id="space"),
    pytest.param("https://cdn.example.com/\u00e9", id="non-ascii"),
    pytest.param("https://cdn.example.com/a\x7f", id="delete-character"),
    pytest.param("https://cdn.example.com/a\x00", id="nul"),
    pytest.param("https://cdn..example.com/a", id="empty-label"),
    pytest.param("cdn.example.com/a", id="no-scheme"),
    pytest.param("ftp://cdn.example.com/a", id="ftp"),
    pytest.param("", id="empty"),
    pytest.param(None, id="none-in-a-list"),
]


@pytest.mark.parametrize("url", URLS_ACCEPTED)
def test_an_https_url_is_accepted_as_media_and_callback(url: str) -> None:
    draft = draft_message(ALICE, media_url=url, from_number=SENDER, status_callback=url)
    assert (draft.media_urls, draft.status_callback) == ((url,), url)


@pytest.mark.parametrize("url", URLS_REFUSED)
def test_a_media_url_is_refused_naming_its_place(url: Any) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, media_url=["https://ok.example.com/a", url], from_number=SENDER)
    assert str(caught.value) == (
        f"Invalid media_url[1] {url!r}: expected an https:// URL with a host."
    )


@pytest.mark.parametrize("url", URLS_REFUSED)
def test_a_status_callback_is_refused_saying_both_schemes(url: Any) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "x", from_number=SENDER, status_callback=url or 0)
    assert str(caught.value) == (
        f"Invalid status_callback {url or 0!r}: expected an http:// or https:// URL with a host."
    )


def test_a_plain_http_url_is_a_callback_but_not_media() -> None:
    url = "http://example.com/cb"
    assert draft_message(ALICE, "x", from_number=SENDER, status_callback=url).status_callback == url
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, media_url=url, from_number=SENDER)
    assert str(caught.value) == f"Invalid media_url {url!r}: expected an https:// URL with a host."


@pytest.mark.parametrize(
    ("media_url", "urls"),
    [
        (None, ()),
        ([], ()),
        ((), ()),
        ("https://a.example.com/1", ("https://a.example.com/1",)),
        (["https://a.example.com/1"], ("https://a.example.com/1",)),
        (
            ("https://a.example.com/1", "https://a.example.com/2"),
            ("https://a.example.com/1", "https://a.example.com/2"),
        ),
    ],
    ids=["none", "empty-list", "empty-tuple", "one-url", "list", "tuple"],
)
def test_media_is_one_url_or_a_list_of_them(media_url: Any, urls: tuple[str, ...]) -> None:
    assert draft_message(ALICE, "x", from_number=SENDER, media_url=media_url).media_urls == urls


@pytest.mark.parametrize("media_url", [42, {"https://a.example.com/1"}, b"https://a.example.com"])
def test_media_of_another_type_is_refused(media_url: object) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "x", from_number=SENDER, media_url=media_url)
    assert str(caught.value) == (
        f"Invalid media_url {media_url!r}: expected an https:// URL or a list of them."
    )


def test_empty_media_is_no_message_without_a_body() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, None, from_number=SENDER, media_url=[])
    assert str(caught.value) == "Invalid body None: a message needs a body, a media_url or both."


# -- the sender ------------------------------------------------------------------------------------


def test_a_number_and_a_messaging_service_together_are_refused() -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "x", from_number=SENDER, messaging_service_sid=SERVICE)
    assert str(caught.value) == (
        f"Give from_number '{SENDER}' or messaging_service_sid '{SERVICE}', not both."
    )


@pytest.mark.parametrize("sid", ["MG/../x", "", "M" * 65, 7])
def test_a_bad_messaging_service_sid_is_refused(sid: object) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, "x", messaging_service_sid=sid)
    assert str(caught.value) == (
        f"Invalid messaging_service_sid {sid!r}: expected 1-64 ASCII letters, digits or hyphens."
    )


def test_the_draft_keeps_every_checked_argument() -> None:
    draft = draft_message(
        ALICE,
        "hello",
        messaging_service_sid=SERVICE,
        media_url="https://a.example.com/1",
        status_callback="http://example.com/cb",
    )
    assert draft == MessageDraft(
        to=ALICE,
        body="hello",
        media_urls=("https://a.example.com/1",),
        from_number=None,
        messaging_service_sid=SERVICE,
        status_callback="http://example.com/cb",
    )
    assert draft_message(ALICE, "hi", from_number=SENDER) == MessageDraft(
        to=ALICE,
        body="hi",
        media_urls=(),
        from_number=SENDER,
        messaging_service_sid=None,
        status_callback=None,
    )


SENDERS = [
    pytest.param({}, None, None, id="none-without-default"),
    pytest.param({}, SENDER, {"From": SENDER}, id="the-default"),
    pytest.param({"from_number": OTHER}, None, {"From": OTHER}, id="a-number"),
    pytest.param({"from_number": OTHER}, SENDER, {"From": OTHER}, id="a-number-over-the-default"),
    pytest.param({"messaging_service_sid": SERVICE}, None, {"MessagingServiceSid": SERVICE}),
    pytest.param(
        {"messaging_service_sid": SERVICE},
        SENDER,
        {"MessagingServiceSid": SERVICE},
        id="a-service-over-the-default",
    ),
]


@pytest.mark.parametrize(("given", "default", "sender"), SENDERS)
def test_the_form_goes_out_from_exactly_one_sender(
    given: dict[str, str], default: str | None, sender: dict[str, str] | None
) -> None:
    draft = draft_message(ALICE, "x", **given)
    if sender is None:
        with pytest.raises(SignalWireValidationError) as caught:
            draft.form(default)
        assert str(caught.value) == (
            "No sender: give from_number or messaging_service_sid, or set the connection's "
            "Default From number (extra from_number)."
        )
    else:
        assert draft.form(default) == {"To": ALICE, **sender, "Body": "x"}


# -- the form ----------------------------------------------------------------------------------------


def test_the_form_holds_every_field_given_and_repeats_media() -> None:
    draft = draft_message(
        ALICE,
        "hello",
        media_url=["https://a.example.com/1", "https://a.example.com/2"],
        status_callback="https://example.com/cb",
        messaging_service_sid=SERVICE,
    )
    assert message_fields(draft, from_number=None) == {
        "To": ALICE,
        "MessagingServiceSid": SERVICE,
        "Body": "hello",
        "StatusCallback": "https://example.com/cb",
        "MediaUrl": ["https://a.example.com/1", "https://a.example.com/2"],
    }


def test_the_form_leaves_out_every_field_not_given() -> None:
    draft = draft_message(ALICE, media_url="https://a.example.com/1", from_number=SENDER)
    assert message_fields(draft, from_number=SENDER) == {
        "To": ALICE,
        "From": SENDER,
        "MediaUrl": ["https://a.example.com/1"],
    }
