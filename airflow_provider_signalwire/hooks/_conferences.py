"""
What the conference sensor and its trigger share, written once for the sync and async hooks.

Which conference a name means, how an unknown SID is reported, logging what changed between two
looks, and the checks of what a wait names (``target_status``, ``friendly_name``, the listing's
filters). Standard library only, so the sensor module stays light to import.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import (
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import (
    CONFERENCE_STATUSES,
    FRIENDLY_NAME_MAX_LENGTH,
    LIST_CONFERENCES_FILTERS,
    check_allowed,
    choice,
    invalid,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: Page size of the ``FriendlyName`` look-up; names are rarely reused more often than this.
NAME_LOOKUP_PAGE_SIZE = 100
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)
_LONG_MONTH = re.compile(r"\b(Sept)\b", re.IGNORECASE)


def parse_date_created(value: object) -> datetime | None:
    """
    Read an RFC 2822 date as SignalWire writes it (``Tue, 25 Sept 2018 20:00:00 +0000`` too).

    :param value: the ``date_created`` field.
    :return: an aware datetime, or ``None`` if the value is missing or unreadable.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    for text in (value, _LONG_MONTH.sub("Sep", value)):
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def newest_conference(
    conferences: Iterable[dict[str, Any]], friendly_name: str
) -> dict[str, Any] | None:
    """
    Pick the most recently created conference called exactly ``friendly_name``.

    Conferences without a readable ``date_created`` count as the oldest; on a tie, the first one
    listed wins (SignalWire lists the newest first).

    :param conferences: conferences as listed by SignalWire (filtered by ``FriendlyName``).
    :param friendly_name: the name asked for; other names are ignored, should a filter be lost.
    """
    newest: dict[str, Any] | None = None
    newest_at = _OLDEST
    for conference in conferences:
        if conference.get("friendly_name") != friendly_name:
            continue
        created = parse_date_created(conference.get("date_created")) or _OLDEST
        if newest is None or created > newest_at:
            newest, newest_at = conference, created
    return newest


def describe_target(conference_sid: str | None, friendly_name: str | None) -> str:
    """Name the awaited conference for log lines and messages."""
    return (
        f"conference {conference_sid}" if conference_sid else f"conference named {friendly_name!r}"
    )


#: What was seen on a look: the conference's ``(sid, status)``, or ``None`` when there is none.
Seen = tuple[Any, Any] | None
#: Before the first look: differs from every :data:`Seen`, so the first look is always logged.
NOT_LOOKED_YET: Seen = ("<not looked at yet>", "<not looked at yet>")


def log_change(log: Any, what: str, previous: Seen, conference: dict[str, Any] | None) -> Seen:
    """
    Log at INFO a new conference or status since the previous look (DEBUG when nothing changed).

    :param log: the logger of the sensor or trigger.
    :param what: the awaited conference, as :func:`describe_target` names it.
    :param previous: what the previous look saw (:data:`NOT_LOOKED_YET` before the first).
    :param conference: what this look found.
    :return: what this look saw, to pass as ``previous`` next time.
    """
    seen = (conference.get("sid"), conference.get("status")) if conference else None
    if seen == previous:
        log.debug("SignalWire %s unchanged: %s", what, seen)
    elif seen is None:
        log.info("No SignalWire %s yet", what)
    else:
        log.info("SignalWire conference %s is %s", *seen)
    return seen


def name_lookup_filters(friendly_name: str) -> dict[str, Any]:
    """The ``list_conferences`` filters of a look-up by name (see :func:`newest_conference`)."""
    return {"friendly_name": friendly_name, "page_size": NAME_LOOKUP_PAGE_SIZE}


def unknown_conference(
    err: SignalWireNotFoundError, conference_sid: str, account_sid: str
) -> SignalWireNotFoundError:
    """
    Build the error for a conference SID that SignalWire does not know, keeping its own words.

    :param err: the 404 of the look-up.
    :param conference_sid: the conference asked for.
    :param account_sid: the account it was looked up in.
    """
    return SignalWireNotFoundError(
        f"SignalWire conference {conference_sid} does not exist in account {account_sid} "
        f"({err.message})",
        **err.details(),
    )


# -- which conference a sensor or trigger waits for ------------------------------------------


def validate_target_status(value: object) -> tuple[str, ...]:
    """
    Validate ``target_status`` (one status or a list of them) and return the statuses as a tuple.

    :param value: ``init``, ``in-progress`` or ``completed``, or a non-empty list of them.
    """
    statuses = [value] if isinstance(value, str) else value
    known = CONFERENCE_STATUSES
    if (
        not isinstance(statuses, list | tuple | set | frozenset)
        or not statuses
        or any(status not in known for status in statuses)
    ):
        expected = f"expected one of {', '.join(known)} or a non-empty list of them"
        raise invalid("target_status", value, expected)
    return tuple(dict.fromkeys(str(status) for status in statuses))


def validate_friendly_name(value: object) -> str:
    """Return ``value`` if it can be a conference's ``FriendlyName``: 1 to 64 characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= FRIENDLY_NAME_MAX_LENGTH:
        raise invalid("friendly_name", value, "expected a string of 1 to 64 characters")
    return value


def check_conference_filters(filters: Mapping[str, Any]) -> None:
    """Refuse ``list_conferences`` filters SignalWire does not define, or values outside them."""
    check_allowed("list_conferences", "filter", filters, LIST_CONFERENCES_FILTERS)
    if filters.get("status") is not None:
        choice("status", filters["status"], CONFERENCE_STATUSES)
    if filters.get("friendly_name") is not None:
        validate_friendly_name(filters["friendly_name"])


def exactly_one_target(owner: str, conference_sid: object, friendly_name: object) -> None:
    """
    Refuse a wait that names its conference by both, or neither, of SID and name.

    :param owner: the sensor or trigger class, for the message.
    :param conference_sid: the ``conference_sid`` argument.
    :param friendly_name: the ``friendly_name`` argument.
    """
    if (conference_sid is None) == (friendly_name is None):
        raise SignalWireValidationError(
            f"{owner} needs exactly one of conference_sid and friendly_name; got "
            f"conference_sid={conference_sid!r}, friendly_name={friendly_name!r}."
        )
