"""
What the conference sensor and its trigger share, written once for the sync and async hooks.

Which conference a name means, how an unknown SID is reported, logging what changed between two
looks, and the checks of what a wait names (``target_status``, ``friendly_name``, the listing's
filters). Standard library only, so the sensor module stays light to import.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

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
    from collections.abc import Callable, Generator, Iterable, Mapping

#: Page size of the ``FriendlyName`` look-up; names are rarely reused more often than this.
NAME_LOOKUP_PAGE_SIZE = 100
T = TypeVar("T")
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


#: Order of a conference's statuses: a status never goes back to an earlier one.
STATUS_RANK = {"init": 0, "in-progress": 1, "completed": 2}
#: Conferences read between two pauses of :func:`index_listing`'s caller.
INDEX_SLICE = 500


@dataclass(frozen=True, slots=True)
class Listed:
    """
    One conference of a listing, its fields read once for every user of the listing.

    :param sid: the conference SID.
    :param friendly_name: its name (as listed; may be anything).
    :param status: its status, as listed.
    :param rank: the status' place in :data:`STATUS_RANK` (``-1`` when unknown).
    :param updated: ``date_updated`` read, or ``None`` when missing or unreadable.
    :param created: ``date_created`` read, or ``None`` when missing or unreadable.
    :param conference: the conference object as listed.
    """

    sid: str
    friendly_name: Any
    status: str
    rank: int
    updated: datetime | None
    created: datetime | None
    conference: dict[str, Any] = field(repr=False)

    def key(self) -> tuple[int, datetime]:
        """Which of two copies of one conference wins: the later status, then the newer date."""
        return self.rank, self.updated or _OLDEST


@dataclass(frozen=True)
class ListingIndex:
    """
    A listing parsed and indexed once, by SID and by friendly name, for all its users.

    :param by_sid: one :class:`Listed` per SID: of several copies of one conference (a stale
        copy beside a fresh one), the most advanced status, then the newest ``date_updated``.
    :param by_name: SIDs per friendly name.
    :param changed: SIDs whose winning copy differs from the previous listing's (new ones,
        changed ones, and ones back after missing from it); every SID for the first listing.
    :param sequence: this listing's number.
    :param previous: the number of the listing ``changed`` is relative to (``None``: none).
    """

    by_sid: dict[str, Listed]
    by_name: dict[Any, list[str]]
    changed: frozenset[str]
    sequence: int
    previous: int | None


def _fingerprint(conference: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        conference.get(name) for name in ("status", "date_updated", "date_created", "friendly_name")
    )


class ListingIndexer:
    """
    Build one listing's :class:`ListingIndex` a conference at a time, as its pages arrive.

    Fed while the listing is fetched, it lets each page be freed once read: only what changed
    since ``before`` is kept, so a busy account's listing does not pile up on the heap (where
    it would make the event loop pay for full garbage collections).

    :param before: the previous listing's index, or ``None``.
    :param sequence: this listing's number.
    :param parse_date: reads a date field (RFC 2822) into an aware datetime, or ``None``.
    """

    def __init__(
        self,
        before: ListingIndex | None,
        sequence: int,
        parse_date: Callable[[object], datetime | None] = parse_date_created,
    ) -> None:
        self.before = before
        self.sequence = sequence
        self.parse_date = parse_date
        self._known = before.by_sid if before is not None else {}
        self._by_sid: dict[str, Listed] = {}
        self._dates: dict[object, datetime | None] = {}

    def add(self, conference: dict[str, Any]) -> None:
        """
        Read one listed conference (one without a string SID is ignored).

        :param conference: the conference object, in listing order.
        """
        sid = conference.get("sid")
        if not isinstance(sid, str):
            return
        old = self._known.get(sid)
        if old is not None and _fingerprint(old.conference) == _fingerprint(conference):
            # Unchanged: keep the copy read before, so this listing's objects die young
            # (fewer long-lived objects, fewer full garbage collections on the event loop).
            listed = old
        else:
            listed = _read(sid, conference, self._dates, self.parse_date)
        current = self._by_sid.get(sid)
        if current is None or listed.key() > current.key():
            self._by_sid[sid] = listed

    def finish(self) -> Generator[None, None, ListingIndex]:
        """
        Index what was added, by name and by change; pauses every :data:`INDEX_SLICE` SIDs.

        Drive it to its end (see :func:`in_slices`); its return value is the index.
        """
        by_name: dict[Any, list[str]] = {}
        changed: set[str] = set()
        for n, (sid, listed) in enumerate(self._by_sid.items(), 1):
            if n % INDEX_SLICE == 0:
                yield
            name = listed.friendly_name
            by_name.setdefault(name if isinstance(name, str) else None, []).append(sid)
            old = self._known.get(sid)
            if old is None or old.key() != listed.key() or old.status != listed.status:
                changed.add(sid)
        previous = self.before.sequence if self.before is not None else None
        return ListingIndex(self._by_sid, by_name, frozenset(changed), self.sequence, previous)


def index_listing(
    conferences: Iterable[dict[str, Any]],
    before: ListingIndex | None,
    sequence: int,
    parse_date: Callable[[object], datetime | None] = parse_date_created,
) -> Generator[None, None, ListingIndex]:
    """
    Parse and index a whole listing; a generator that pauses every :data:`INDEX_SLICE` items.

    Drive it to its end (``StopIteration.value`` is the index), letting the event loop run
    at each pause. A conference listed unchanged since ``before`` is not parsed again.

    :param conferences: the listing, in listing order.
    :param before: the previous listing's index, or ``None``.
    :param sequence: this listing's number.
    :param parse_date: reads a date field (RFC 2822) into an aware datetime, or ``None``.
    """
    indexer = ListingIndexer(before, sequence, parse_date)
    for n, conference in enumerate(conferences, 1):
        if n % INDEX_SLICE == 0:
            yield
        indexer.add(conference)
    yield
    return (yield from indexer.finish())


def _read(
    sid: str,
    conference: dict[str, Any],
    dates: dict[object, datetime | None],
    parse_date: Callable[[object], datetime | None],
) -> Listed:
    status = conference.get("status")
    raw_updated, raw_created = conference.get("date_updated"), conference.get("date_created")
    for raw in (raw_updated, raw_created):
        if isinstance(raw, str) and raw not in dates:  # a JSON array or object is no key
            dates[raw] = parse_date(raw)
    return Listed(
        sid,
        conference.get("friendly_name"),
        str(status),
        STATUS_RANK.get(status, -1) if isinstance(status, str) else -1,
        dates.get(raw_updated) if isinstance(raw_updated, str) else None,
        dates.get(raw_created) if isinstance(raw_created, str) else None,
        conference,
    )


def _collected(steps: Generator[None, None, T], into: list[T]) -> Generator[None, None, None]:
    into.append((yield from steps))


async def in_slices(steps: Generator[None, None, T]) -> T:
    """
    Drive a sliced computation (a generator that pauses between slices) to its end.

    The event loop runs other tasks at each pause, so a large listing never blocks it long.

    :param steps: the computation; its return value is the result.
    """
    into: list[T] = []
    for _ in _collected(steps, into):
        await asyncio.sleep(0)
    return into[0]


def run_slices(steps: Generator[None, None, T]) -> T:
    """
    Run a sliced computation to its end at once (no event loop to let run).

    :param steps: the computation; its return value is the result.
    """
    into: list[T] = []
    for _ in _collected(steps, into):
        pass
    return into[0]
