"""
Paths of SignalWire's Compatibility API for conferences, built from validated, encoded segments.

Paths follow the API specification's routes, without the ``.json`` suffix that the ``uri`` fields
of answers carry. Every segment is validated and percent-encoded, so no input can leave its
segment or reach another path.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._validation import (
    choice,
    path_segment,
    validate_sid,
    validate_stream_identifier,
)

API_ROOT = "/api/laml/2010-04-01"
#: Formats a recording's media file is served in (the suffix of its path).
MEDIA_FORMATS = ("wav", "mp3")
#: The part of the Messages path below the account.
MESSAGES_RELATIVE_PATH = "/Messages"


def account_path(account_sid: str) -> str:
    """Path of an account (its SID is the Project ID)."""
    return f"{API_ROOT}/Accounts/{path_segment(validate_sid('account_sid', account_sid))}"


def conferences_path(account_sid: str) -> str:
    """Path of an account's conferences."""
    return account_path(account_sid) + conference_relative_path(None)


def conference_path(account_sid: str, conference_sid: str) -> str:
    """Path of one conference."""
    return account_path(account_sid) + conference_relative_path(conference_sid)


def conference_child_path(
    account_sid: str, conference_sid: str, collection: str, child: str | None = None
) -> str:
    """
    Path of a conference's participants, recordings or streams, or of one of them.

    :param account_sid: the account (Project ID).
    :param conference_sid: the conference.
    :param collection: ``Participants``, ``Recordings`` or ``Streams``.
    :param child: the call SID, recording SID, or stream SID or name; ``None`` for the collection.
    """
    return account_path(account_sid) + conference_relative_path(conference_sid, collection, child)


def conference_relative_path(
    conference_sid: str | None, collection: str | None = None, child: str | None = None
) -> str:
    """
    The part of a conference path below the account, validated before any account is known.

    Hook methods build it first, so bad input fails before the connection is fetched.

    :param conference_sid: the conference; ``None`` for the account's conferences.
    :param collection: ``Participants``, ``Recordings`` or ``Streams``; ``None`` for the conference.
    :param child: the call SID, recording SID, or stream SID or name; ``None`` for the collection.
    """
    if conference_sid is None:
        return "/Conferences"
    path = f"/Conferences/{path_segment(validate_sid('conference_sid', conference_sid))}"
    if collection is None:
        return path
    path = f"{path}/{collection}"
    if child is None:
        return path
    if collection == "Streams":
        segment = validate_stream_identifier(child)
    else:
        parameter = "call_sid" if collection == "Participants" else "recording_sid"
        segment = validate_sid(parameter, child)
    return f"{path}/{path_segment(segment)}"


def recording_media_relative_path(recording_sid: str, media_format: str) -> str:
    """
    The path of a recording's media file below the account: ``/Recordings/{Sid}.wav`` or ``.mp3``.

    :param recording_sid: the recording.
    :param media_format: ``wav`` or ``mp3``.
    """
    sid = path_segment(validate_sid("recording_sid", recording_sid))
    return f"/Recordings/{sid}.{choice('media_format', media_format, MEDIA_FORMATS)}"


def next_page(next_uri: str, previous_path: str) -> tuple[str, list[tuple[str, str]]]:
    """
    Split SignalWire's ``next_page_uri`` into a path and query, refusing to leave the resource.

    Paging follows only a path on the same Space's API and the same collection as the previous
    page (with or without ``.json``); anything else is an error, never a request elsewhere.

    :param next_uri: the ``next_page_uri`` of the previous page.
    :param previous_path: the path the previous page was fetched from.
    """
    parts = urlsplit(next_uri)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{API_ROOT}/"):
        raise SignalWireResponseError(
            f"SignalWire's next_page_uri {next_uri!r} leaves this Space's API; not followed"
        )
    if parts.path.removesuffix(".json") != previous_path.removesuffix(".json"):
        raise SignalWireResponseError(
            f"SignalWire's next_page_uri {next_uri!r} points at another resource; not followed"
        )
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)
