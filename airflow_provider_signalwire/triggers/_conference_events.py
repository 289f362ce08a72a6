"""
Which conference changes are events, and the watermark that carries that across restarts.

Pure (no I/O, no HTTP library): :class:`ConferenceTransitions` is fed one list of conferences
per poll (every conference updated recently, as the coalesced poller lists them) and answers
the events to fire. It fires ``conference-start`` when it sees a conference ``in-progress`` and
``conference-end`` when it sees one ``completed``, each only for a status that differs from
what it saw before, never for a status a conference already had when watching began, and never
twice for the same conference and event.

:meth:`ConferenceTransitions.begin` says when watching began: on the first poll, conferences
whose ``date_updated`` is in a later second changed since, the others are the starting point.
Across a restart, :meth:`ConferenceTransitions.watermark` is what to keep and
:meth:`ConferenceTransitions.restore` starts from it instead: conferences updated after the
watermark changed while nobody watched, and are judged as changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import choice

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

#: Event name -> the conference status that is that event (SignalWire's event names).
EVENT_STATUSES = {"conference-start": "in-progress", "conference-end": "completed"}
#: Version of the watermark's shape, stored with it.
WATERMARK_VERSION = 1


def validate_events(events: object) -> tuple[str, ...]:
    """
    Validate ``events`` (one event name or a list of them) and return them as a tuple.

    :param events: ``conference-start``, ``conference-end``, or a non-empty list of them.
    """
    names = [events] if isinstance(events, str) else events
    if not isinstance(names, list | tuple | set | frozenset) or not names:
        raise SignalWireValidationError(
            f"Invalid events {events!r}: expected a non-empty list of {', '.join(EVENT_STATUSES)}."
        )
    return tuple(dict.fromkeys(choice("events", name, tuple(EVENT_STATUSES)) for name in names))


@dataclass(frozen=True)
class ConferenceEvent:
    """
    One event to fire.

    :param name: ``conference-start`` or ``conference-end``.
    :param conference: the conference object as SignalWire listed it.
    """

    name: str
    conference: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The trigger event's payload: ``{"event": ..., "conference": {...}}``."""
        return {"event": self.name, "conference": self.conference}


class ConferenceTransitions:
    """
    Turn successive lists of conferences into the events to fire.

    :param events: the event names to fire (see :data:`EVENT_STATUSES`).
    :param friendly_name: only conferences with exactly this name, or all when ``None``.
    :param parse_date: reads ``date_updated`` (RFC 2822) into an aware datetime, or ``None``.
    """

    def __init__(
        self,
        events: Sequence[str],
        friendly_name: str | None,
        parse_date: Callable[[object], datetime | None],
    ) -> None:
        self.events = tuple(events)
        self.friendly_name = friendly_name
        self._parse_date = parse_date
        self._statuses: dict[str, str] = {}
        self._fired: set[tuple[str, str]] = set()
        self._started = False
        # (updated through, ties or None for the whole second, in progress) to judge the first
        # poll by, after begin() or restore().
        self._restored_from: tuple[datetime, dict[str, str] | None, frozenset[str]] | None = None
        self._through: datetime | None = None
        self._ties: dict[str, str] = {}

    # -- polls --------------------------------------------------------------------------------

    def observe(self, conferences: Iterable[dict[str, Any]]) -> list[ConferenceEvent]:
        """
        Take one poll's conferences; return the events to fire, in the order listed.

        Without :meth:`begin` or :meth:`restore`, the first poll only records what exists.

        :param conferences: every conference updated since the poller's floor date.
        """
        mine = [c for c in conferences if self._wanted(c)]
        fired: list[ConferenceEvent] = []
        for conference in mine:
            sid, status = str(conference.get("sid")), conference.get("status")
            previous = self._previous(conference)
            if self._started and status != previous:
                fired += self._events_for(sid, str(status), conference)
            self._statuses[sid] = str(status)
            self._advance(conference)
        self._started = True
        self._restored_from = None
        # Keep only what the window still holds: a conference that left it was not updated
        # for a day or more, and shows up again only when it changes.
        listed = {str(c.get("sid")) for c in mine}
        self._statuses = {sid: s for sid, s in self._statuses.items() if sid in listed}
        self._fired = {key for key in self._fired if key[0] in listed}
        return fired

    def _wanted(self, conference: dict[str, Any]) -> bool:
        return isinstance(conference.get("sid"), str) and (
            self.friendly_name is None or conference.get("friendly_name") == self.friendly_name
        )

    def _previous(self, conference: dict[str, Any]) -> str | None:
        sid = str(conference["sid"])
        if self._restored_from is None:
            return self._statuses.get(sid)
        through, ties, in_progress = self._restored_from
        updated = self._parse_date(conference.get("date_updated"))
        status = str(conference.get("status"))
        same_second_before = updated == through and (ties is None or ties.get(sid) == status)
        if updated is None or updated < through or same_second_before:
            # Updated before watching began (or before the restart): nothing new about it.
            return status
        return "in-progress" if sid in in_progress else None

    def _events_for(
        self, sid: str, status: str, conference: dict[str, Any]
    ) -> list[ConferenceEvent]:
        out = []
        for name in self.events:
            if EVENT_STATUSES[name] == status and (sid, name) not in self._fired:
                self._fired.add((sid, name))
                out.append(ConferenceEvent(name, conference))
        return out

    def _advance(self, conference: dict[str, Any]) -> None:
        updated = self._parse_date(conference.get("date_updated"))
        if updated is None:
            return
        sid, status = str(conference["sid"]), str(conference.get("status"))
        if self._through is None or updated > self._through:
            self._through, self._ties = updated, {sid: status}
        elif updated == self._through:
            self._ties[sid] = status

    # -- restarts -----------------------------------------------------------------------------

    def watermark(self) -> dict[str, Any] | None:
        """
        What to keep so that a restart neither loses nor repeats events; ``None`` before a poll.

        JSON-safe: the latest ``date_updated`` seen, the conferences updated in that same
        second with the status they had (``date_updated`` has whole seconds: a later change in
        that second shows as another status), and the conferences last seen ``in-progress``.
        """
        if not self._started:
            return None
        return {
            "version": WATERMARK_VERSION,
            "updated_through": self._through.isoformat() if self._through else None,
            "ties": dict(sorted(self._ties.items())),
            "in_progress": sorted(s for s, st in self._statuses.items() if st == "in-progress"),
        }

    def begin(self, since: datetime) -> None:
        """
        Start watching at ``since``: the first poll then fires for what changed after it.

        A conference whose ``date_updated`` is in a later second than ``since`` changed after
        watching began, even if the first poll comes late (a slow or retried request); one
        updated in that second or earlier is where watching starts from.

        :param since: when watching began (aware, the clock SignalWire's dates are compared to).
        """
        self._restored_from = (since.replace(microsecond=0), None, frozenset())
        self._started = True

    def restore(self, saved: object) -> bool:
        """
        Start from a :meth:`watermark` instead of a first poll; return whether it was usable.

        The next poll then fires for every conference updated after the watermark.

        :param saved: what :meth:`watermark` returned before the restart.
        """
        if not isinstance(saved, dict) or saved.get("version") != WATERMARK_VERSION:
            return False
        ties, in_progress = saved.get("ties"), saved.get("in_progress")
        if not isinstance(ties, dict) or not isinstance(in_progress, list):
            return False
        raw = saved.get("updated_through")
        if raw is None:
            through = datetime.min.replace(tzinfo=timezone.utc)
        else:
            try:
                through = datetime.fromisoformat(str(raw))
            except ValueError:
                return False
        tied = {str(sid): str(status) for sid, status in ties.items()}
        self._restored_from = (through, tied, frozenset(map(str, in_progress)))
        self._through, self._ties = through, dict(tied)
        self._started = True
        return True
