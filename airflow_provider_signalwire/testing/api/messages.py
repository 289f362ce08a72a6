"""The Messages create operation: send an SMS or MMS."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from airflow_provider_signalwire.testing.api.request import ApiRequest, allow, options
from airflow_provider_signalwire.testing.params import Params, first
from airflow_provider_signalwire.testing.responses import (
    ApiError,
    Response,
    error_body,
    json_response,
    not_found,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store

_PHONE_NUMBER = re.compile(r"^\+[0-9]{2,15}$")
_MAX_PRICE = re.compile(r"^\d+\.?\d{0,4}$")
MAX_BODY_LENGTH = 1600
MAX_VALIDITY_PERIOD = 172800
#: Fields kept on the message for inspection besides To, From, Body, MediaUrl and the service.
_MESSAGE_OPTIONS = (
    "StatusCallback", "ApplicationSid", "MaxPrice", "ValidityPeriod", "SendAsMms",
)  # fmt: skip


def _refuse(status: int, code: int, message: str) -> ApiError:
    return ApiError(json_response(status, error_body(status, code, message)))


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``POST /Messages``: 201 with the message object, or the error SignalWire sends.

    Missing or malformed addresses and content are 400 with SignalWire's message error codes;
    malformed optional fields are 422.

    :param store: the state.
    :param req: the request.
    """
    if len(req.segments) != 1:
        raise not_found(req.path)
    allow(req, "POST")
    form = req.form
    to, sender = first(form, "To"), first(form, "From")
    service = first(form, "MessagingServiceSid")
    body, media = first(form, "Body"), form.get("MediaUrl", [])
    if not to:
        raise _refuse(400, 21604, "A 'To' phone number is required.")
    if not _PHONE_NUMBER.match(to):
        raise _refuse(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not sender and not service:
        raise _refuse(400, 21603, "A 'From' phone number or a MessagingServiceSid is required.")
    if sender and not _PHONE_NUMBER.match(sender):
        raise _refuse(400, 21212, f"The 'From' number {sender} is not a valid phone number.")
    if not body and not media:
        raise _refuse(400, 21602, "Message body is required.")
    if body and len(body) > MAX_BODY_LENGTH:
        raise _refuse(400, 21617, "The message body exceeds the 1600 character limit.")
    for url in media:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise _refuse(400, 21620, f"Invalid media URL {url!r}.")
    _check_optional(form)
    message = store.messages.add(
        to=to,
        sender=sender or "",
        body=body or None,
        media_urls=media,
        messaging_service_sid=service,
        options=options(form, _MESSAGE_OPTIONS),
    )
    return json_response(201, message)


def _check_optional(form: Params) -> None:
    for field in ("MessagingServiceSid", "ApplicationSid"):
        value = first(form, field)
        if value is not None and not _is_uuid(value):
            raise _refuse(422, 20001, f"{field} must be a UUID, got {value!r}")
    send_as_mms = first(form, "SendAsMms")
    if send_as_mms is not None and send_as_mms.lower() not in ("true", "false"):
        raise _refuse(422, 20001, f"SendAsMms must be 'true' or 'false', got {send_as_mms!r}")
    max_price = first(form, "MaxPrice")
    if max_price is not None and not _MAX_PRICE.match(max_price):
        raise _refuse(422, 20001, f"MaxPrice must be a decimal price, got {max_price!r}")
    validity = first(form, "ValidityPeriod")
    if validity is not None and not (
        validity.isdigit() and 1 <= int(validity) <= MAX_VALIDITY_PERIOD
    ):
        raise _refuse(
            422,
            20001,
            f"ValidityPeriod must be 1 to {MAX_VALIDITY_PERIOD} seconds, got {validity!r}",
        )
    callback = first(form, "StatusCallback")
    if callback is not None and (
        urlsplit(callback).scheme not in ("http", "https") or not urlsplit(callback).netloc
    ):
        raise _refuse(422, 20001, f"StatusCallback must be a URL, got {callback!r}")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
