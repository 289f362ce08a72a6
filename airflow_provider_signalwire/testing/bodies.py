"""
Request bodies: form-encoded or JSON, both read into the same field-name to values mapping.

SignalWire documents form bodies; its official SDKs send JSON with the same field names, and the
platform applies both alike, so the emulator does too. Any other body type is answered 415.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from airflow_provider_signalwire.testing.responses import (
    invalid_parameter,
    unsupported_media_type,
)

Params = dict[str, list[str]]
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def media_type(content_type: str | None) -> str:
    """
    Return the lower-case media type of a ``Content-Type`` value, without parameters.

    :param content_type: the header value, if any.
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_body(content_type: str | None, body: bytes) -> Params:
    """
    Read a request body into field name to values, or raise a 415 or 400.

    An empty body has no fields whatever its type (clients send ``Content-Type`` on GET too).

    :param content_type: the ``Content-Type`` header, if any.
    :param body: the raw body.
    """
    if not body:
        return {}
    kind = media_type(content_type)
    if kind in ("", FORM_CONTENT_TYPE):
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    if kind == JSON_CONTENT_TYPE or kind.endswith("+json"):
        return _json_fields(body)
    raise unsupported_media_type(kind)


def _json_fields(body: bytes) -> Params:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise invalid_parameter("The request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise invalid_parameter("The JSON request body must be an object of fields")
    fields: Params = {}
    for name, value in document.items():
        values = value if isinstance(value, list) else [value]
        if any(v is None for v in values):
            continue  # null means "not given", as a missing form field
        fields[name] = [_as_text(name, v) for v in values]
    return fields


def _as_text(name: str, value: object) -> str:
    """Write a JSON scalar as the form encoding of the same value would carry it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise invalid_parameter(f"{name} must be a string, number or boolean")
