"""
What SignalWire's Messages resource accepts, checked before any request is sent.

A phone number is E.164 (``+`` and 2-15 digits). A message has a body of at most 1,600 characters
and/or ``https://`` media, and goes out from exactly one of a From number and a messaging service;
the connection's Default From number fills in when neither is given. Both hooks and the notifier
check messages here, so each rule is written once; errors name the bad value, never a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import invalid, show_value, validate_sid

#: A phone number as SignalWire takes it: E.164, a ``+`` and 2-15 digits.
PHONE_NUMBER = re.compile(r"\+[0-9]{2,15}")
#: The longest body SignalWire accepts; longer texts go out as several concatenated segments.
MAX_BODY_LENGTH = 1600
#: A web URL SignalWire fetches or calls: scheme, host name or IPv4 address, optional port, then
#: anything without spaces. No credentials, no IPv6 literal.
WEB_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?(?:[/?#]\S*)?",
    re.IGNORECASE,
)


def validate_phone_number(parameter: str, value: object) -> str:
    """
    Return ``value`` if it is an E.164 phone number, e.g. ``+15551234567``.

    :param parameter: name of the argument, used in the error message.
    :param value: the value to check.
    """
    if not isinstance(value, str) or PHONE_NUMBER.fullmatch(value) is None:
        raise invalid(parameter, value, "expected an E.164 number: + and 2-15 digits")
    return value


def _web_url(value: object, parameter: str, schemes: tuple[str, ...] = ("https",)) -> str:
    expected = " or ".join(f"{scheme}://" for scheme in schemes)
    text = value if isinstance(value, str) and value.isascii() and value.isprintable() else ""
    match = WEB_URL.fullmatch(text)
    if match is None or match["scheme"].lower() not in schemes:
        raise invalid(parameter, value, f"expected an {expected} URL with a host")
    return text


def _media_urls(media_url: object) -> tuple[str, ...]:
    if media_url is None:
        return ()
    if isinstance(media_url, str):
        return (_web_url(media_url, "media_url"),)
    if not isinstance(media_url, list | tuple):
        raise invalid("media_url", media_url, "expected an https:// URL or a list of them")
    return tuple(_web_url(url, f"media_url[{index}]") for index, url in enumerate(media_url))


def _body(body: object) -> str | None:
    if body is None:
        return None
    if not isinstance(body, str):
        raise invalid("body", body, "expected a string")
    if len(body) > MAX_BODY_LENGTH:
        raise invalid("body", body, f"{len(body)} characters; at most {MAX_BODY_LENGTH} are sent")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in body):
        raise invalid("body", body, "lone surrogates cannot be sent")
    return body or None


@dataclass(frozen=True)
class MessageDraft:
    """
    A checked message, waiting only for the connection to settle its sender.

    :param to: the recipient.
    :param body: the text, or ``None``.
    :param media_urls: media to attach.
    :param from_number: the number to send from, if given.
    :param messaging_service_sid: the messaging service to send through, if given.
    :param status_callback: URL SignalWire reports the delivery status to, if given.
    """

    to: str
    body: str | None
    media_urls: tuple[str, ...]
    from_number: str | None
    messaging_service_sid: str | None
    status_callback: str | None

    def form(self, default_from_number: str | None) -> dict[str, str | list[str]]:
        """
        Return the form fields, sent from the given sender or else the connection's default.

        :param default_from_number: the connection's Default From number, if it has one.
        """
        if self.from_number is None and self.messaging_service_sid is None:
            if default_from_number is None:
                raise SignalWireValidationError(
                    "No sender: give from_number or messaging_service_sid, or set the "
                    "connection's Default From number (extra from_number)."
                )
            return message_fields(self, from_number=default_from_number)
        return message_fields(self, from_number=self.from_number)


def draft_message(
    to: object,
    body: object = None,
    from_number: object = None,
    messaging_service_sid: object = None,
    media_url: object = None,
    status_callback: object = None,
) -> MessageDraft:
    """
    Check every argument of a message; the arguments are those of ``send_message``, in its order.

    :param to: the recipient.
    :param body: the text; ``body``, ``media_url`` or both.
    :param from_number: the number to send from.
    :param messaging_service_sid: the messaging service to send through (not with ``from_number``).
    :param media_url: one ``https://`` URL or a list of them.
    :param status_callback: an ``http(s)://`` URL SignalWire reports the delivery status to.
    """
    recipient = validate_phone_number("to", to)
    text, media = _body(body), _media_urls(media_url)
    if text is None and not media:
        raise invalid("body", body, "a message needs a body, a media_url or both")
    if from_number is not None and messaging_service_sid is not None:
        raise SignalWireValidationError(
            f"Give from_number {show_value(from_number)} or messaging_service_sid "
            f"{show_value(messaging_service_sid)}, not both."
        )
    if from_number is not None:
        validate_phone_number("from_number", from_number)
    if messaging_service_sid is not None:
        validate_sid("messaging_service_sid", messaging_service_sid)
    if status_callback is not None:
        _web_url(status_callback, "status_callback", ("http", "https"))
    return MessageDraft(
        to=recipient,
        body=text,
        media_urls=media,
        from_number=from_number if isinstance(from_number, str) else None,
        messaging_service_sid=(
            messaging_service_sid if isinstance(messaging_service_sid, str) else None
        ),
        status_callback=status_callback if isinstance(status_callback, str) else None,
    )


def message_fields(draft: MessageDraft, *, from_number: str | None) -> dict[str, str | list[str]]:
    """
    Build the form of a message; ``MediaUrl`` repeats once per URL.

    :param draft: the checked message.
    :param from_number: the number it goes out from; ``None`` when a messaging service sends it.
    """
    optional = {
        "From": from_number,
        "MessagingServiceSid": draft.messaging_service_sid,
        "Body": draft.body,
        "StatusCallback": draft.status_callback,
    }
    fields: dict[str, str | list[str]] = {"To": draft.to}
    fields.update({name: value for name, value in optional.items() if value is not None})
    if draft.media_urls:
        fields["MediaUrl"] = list(draft.media_urls)
    return fields
