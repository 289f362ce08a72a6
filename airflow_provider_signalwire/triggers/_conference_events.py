"""
Which conference changes are events, and the memory that carries that across restarts.

Pure (no I/O, no HTTP library): :class:`ConferenceTransitions` is fed one listing per poll
(every conference updated since SignalWire's yesterday, parsed and indexed once by the poller)
with SignalWire's clock at that poll, and answers the events to fire.

The contract: each status of a watched conference that is newly seen after watching began
fires its event exactly once (``in-progress``: ``conference-start``, ``completed``:
``conference-end``), in order per conference, and nothing fires for a status a conference
already had when watching began. In detail:

* **Memory.** What fired (or was already so when watching began) is remembered per conference
  for as long as SignalWire can still list it (its ``date_updated`` is not older than
  SignalWire's yesterday, or it is listed now), not merely until it misses one listing.
* **Never backwards.** A status older than one remembered fires nothing; of several copies of
  one conference in a listing, the most advanced status wins (see
  :class:`~airflow_provider_signalwire.hooks._conferences.ListingIndex`).
* **Only what is seen.** A transition is a status newly seen. A conference that starts and
  ends between two polls is seen ``completed`` only: ``conference-end`` fires, and no
  ``conference-start`` (``init`` then ``completed`` may well be a conference that never
  started: everyone left before it began). A conference first seen after watching began fires
  the event of the status it is seen in, unless its ``date_updated`` is at or before the
  moment watching began (it already held then: nothing fires), or, after a restart, at or
  before the saved ``settled`` point (seen before the restart).
* **SignalWire's clock.** When watching began is read from SignalWire's clock (the ``Date``
  header), never the local one. A ``date_updated`` more than :data:`FUTURE_ALLOWANCE` ahead of
  SignalWire's now, or unreadable, is not compared with anything: it is logged once, and the
  conference is judged by its memory; one never seen before is new only if it was created
  after watching began (its ``date_created``), else taken as already so.
* **Restarts.** :meth:`ConferenceTransitions.watermark` is what to keep (JSON):
  when watching began, ``settled`` (SignalWire's now minus :data:`SETTLE`: changes older than
  that have been seen), and the memory that still matters (conferences in progress, those
  updated after ``settled``, those with an odd date). :meth:`ConferenceTransitions.restore`
  starts from it. A conference hidden from listings for longer than :data:`SETTLE` across a
  restart may lose its event; one hidden while the trigger runs does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import choice
from airflow_provider_signalwire.hooks._conferences import (
    STATUS_RANK,
    ListingIndex,
    index_listing,
    parse_date_created,
    run_slices,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Sequence

    from airflow_provider_signalwire.hooks._conferences import Listed

#: Event name -> the conference status that is that event (SignalWire's event names).
EVENT_STATUSES = {"conference-start": "in-progress", "conference-end": "completed"}
#: Version of the watermark's shape, stored with it (version 1 is still read).
WATERMARK_VERSION = 2
#: How long a conference may be missing from listings across a restart without losing events.
SETTLE = timedelta(minutes=10)
#: How far ahead of SignalWire's now a ``date_updated`` may be before it is taken as absurd.
FUTURE_ALLOWANCE = timedelta(minutes=1)
#: Conferences judged between two pauses of :meth:`ConferenceTransitions.judge`'s caller.
JUDGE_SLICE = 500
_STATUS_OF_RANK = {rank: status for status, rank in STATUS_RANK.items()}


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


@dataclass
class _Memory:
    """What is known of one conference: the status reached, its date, when last listed."""

    rank: int
    updated: datetime | None  # None: unreadable or absurd
    seen_on: date | None


def _second(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(microsecond=0)


class ConferenceTransitions:
    """
    Turn successive listings of conferences into the events to fire (see the module).

    :param events: the event names to fire (see :data:`EVENT_STATUSES`).
    :param friendly_name: only conferences with exactly this name, or all when ``None``.
    :param parse_date: reads ``date_updated`` (RFC 2822) into an aware datetime, or ``None``
        (used by :meth:`observe`; :meth:`judge` takes listings the poller already read).
    """

    def __init__(
        self,
        events: Sequence[str],
        friendly_name: str | None,
        parse_date: Callable[[object], datetime | None] = parse_date_created,
    ) -> None:
        self.events = tuple(events)
        self.friendly_name = friendly_name
        self._parse_date = parse_date
        self._memory: dict[str, _Memory] = {}
        self._started = False  # begin(), restore() or a first listing happened
        self._baseline = False  # the next listing is the first since begin()
        self._began: datetime | None = None
        self._settled: datetime | None = None
        self._restored_settled: datetime | None = None  # settled as saved before a restart
        self._saved_settled: datetime | None = None  # settled of the watermark last kept
        self._unsaved = True  # memory a restart from the watermark last kept would miss
        self._floor: date | None = None
        self._last: int | None = None  # sequence of the last listing judged
        self._sequence = 0  # for observe()'s own listings
        self._index: ListingIndex | None = None
        #: SIDs whose ``date_updated`` was unreadable or absurd (each is reported once).
        self.odd_dates: dict[str, object] = {}

    # -- polls --------------------------------------------------------------------------------

    def observe(
        self, conferences: Iterable[dict[str, Any]], server_now: datetime | None = None
    ) -> list[ConferenceEvent]:
        """
        Take one poll's conferences; return the events to fire.

        Without :meth:`begin` or :meth:`restore`, the first poll only records what exists.

        :param conferences: every conference updated since the poller's floor date.
        :param server_now: SignalWire's clock at the poll, if known.
        """
        self._sequence += 1
        index = run_slices(
            index_listing(conferences, self._index, self._sequence, self._parse_date)
        )
        self._index = index
        return run_slices(self.judge(index, server_now))

    def judge(
        self, index: ListingIndex, server_now: datetime | None
    ) -> Generator[None, None, list[ConferenceEvent]]:
        """
        Judge one indexed listing; a generator pausing every :data:`JUDGE_SLICE` conferences.

        Drive it to its end (``StopIteration.value`` holds the events), letting the event loop
        run at each pause. Only the conferences that changed since the previous listing are
        looked at when that listing was judged here too.

        :param index: the listing, as the poller indexed it.
        :param server_now: SignalWire's clock when it was listed, if known.
        """
        if self._last is not None and index.previous == self._last:
            sids: Iterable[str] = index.changed
            if self.friendly_name is not None:
                named = set(index.by_name.get(self.friendly_name, ()))
                sids = [sid for sid in sids if sid in named]
        elif self.friendly_name is not None:
            sids = index.by_name.get(self.friendly_name, [])
        else:
            sids = index.by_sid
        fired: list[ConferenceEvent] = []
        today = server_now.astimezone(timezone.utc).date() if server_now else None
        for n, sid in enumerate(sids, 1):
            if n % JUDGE_SLICE == 0:
                yield
            listed = index.by_sid[sid]
            if listed.rank >= 0 and self._wanted(listed):
                fired += self._judge_one(listed, server_now, today)
        self._last = index.sequence
        self._started, self._baseline = True, False
        if server_now is not None:
            settled = _second(server_now) - SETTLE
            if self._settled is None or settled > self._settled:
                self._settled = settled
            floor = today - timedelta(days=1) if today else None
            if floor is not None and floor != self._floor:
                self._floor = floor
                yield from self._forget(index, floor)
        return fired

    def _wanted(self, listed: Listed) -> bool:
        return self.friendly_name is None or listed.friendly_name == self.friendly_name

    def _judge_one(
        self, listed: Listed, server_now: datetime | None, today: date | None
    ) -> list[ConferenceEvent]:
        updated = listed.updated
        sane = updated is not None and (
            server_now is None or updated <= server_now + FUTURE_ALLOWANCE
        )
        if not sane and listed.sid not in self.odd_dates:
            self.odd_dates[listed.sid] = listed.conference.get("date_updated")
        memory = self._memory.get(listed.sid)
        kept = updated if sane else None
        if memory is not None and listed.rank <= memory.rank:
            memory.seen_on = today
            return []  # the same status, or an older one (a stale copy): nothing new
        news = self._news(listed, sane, seen=memory is not None)
        if memory is None:
            self._memory[listed.sid] = _Memory(listed.rank, kept, today)
        else:
            memory.rank, memory.updated, memory.seen_on = listed.rank, kept, today
        if kept is None or self._saved_settled is None or _second(kept) > self._saved_settled:
            self._unsaved = True  # a restart from the saved watermark would judge it anew
        if not news:
            return []
        status = _STATUS_OF_RANK[listed.rank]
        return [
            ConferenceEvent(n, listed.conference)
            for n in self.events
            if EVENT_STATUSES[n] == status
        ]

    def _news(self, listed: Listed, sane: bool, *, seen: bool) -> bool:
        """Tell whether a status not seen before of this conference is a change to fire."""
        if not self._started:
            return False  # the first listing without begin(): the starting point
        if sane and listed.updated is not None:
            second = _second(listed.updated)
            if self._restored_settled is not None and second <= self._restored_settled:
                return False  # changed before the restored settled point: seen before
            # Seen before in an older status: a change. Never seen: a change unless it was
            # already so when watching began.
            return seen or self._began is None or second > self._began
        if seen:
            return True  # an odd date, but a status newer than the one seen
        if self._baseline:
            return False  # an odd date in the first listing: the starting point
        created = listed.created
        # An odd date on a conference never seen: new only if it is younger than the watch.
        return self._began is not None and created is not None and _second(created) > self._began

    def _forget(self, index: ListingIndex, floor: date) -> Generator[None, None, None]:
        """Forget conferences SignalWire can no longer list (not updated since ``floor``)."""
        for n, (sid, memory) in enumerate(list(self._memory.items()), 1):
            if n % JUDGE_SLICE == 0:
                yield
            if sid in index.by_sid:  # listed today, even if unchanged (so not judged again)
                memory.seen_on = floor + timedelta(days=1)
                continue
            if memory.updated is not None:
                gone = memory.updated.astimezone(timezone.utc).date() < floor
            else:  # an odd date: forget it once it has been missing for a whole day
                if memory.seen_on is None:  # restored: missing since now at most
                    memory.seen_on = floor
                gone = memory.seen_on < floor
            if gone:
                del self._memory[sid]

    # -- restarts -----------------------------------------------------------------------------

    def watermark(self) -> dict[str, Any] | None:
        """
        What to keep so that a restart neither loses nor repeats events; ``None`` before a poll.

        JSON-safe: when watching began and ``settled`` (seconds of SignalWire's clock, ISO
        8601), and per conference that still matters its status and ``date_updated``.
        """
        if not self._started:
            return None
        kept: dict[str, list[Any]] = {}
        for sid, memory in sorted(self._memory.items()):
            if (
                memory.rank == STATUS_RANK["in-progress"]
                or memory.updated is None
                or self._settled is None
                or _second(memory.updated) > self._settled
            ):
                updated = memory.updated.isoformat() if memory.updated else None
                kept[sid] = [_STATUS_OF_RANK[memory.rank], updated]
        return {
            "version": WATERMARK_VERSION,
            "began": self._began.isoformat() if self._began else None,
            "settled": self._settled.isoformat() if self._settled else None,
            "conferences": kept,
        }

    def needs_saving(self) -> bool:
        """
        Tell whether :meth:`watermark` must be kept now.

        It must when a restart from the one last kept would judge something differently: after
        :meth:`begin`, and when a status was seen that changed after the ``settled`` point of
        the watermark last kept (or whose date is odd). Only SignalWire's clock moving on
        (``settled`` with it, and conferences settling out of what is kept) is not: that
        watermark's older ``settled`` keeps more, not less.
        """
        return self._started and self._unsaved

    def saved(self, watermark: dict[str, Any]) -> None:
        """
        Note that ``watermark`` (from :meth:`watermark`) was kept.

        :param watermark: what was written to the store.
        """
        self._saved_settled = _moment(watermark.get("settled"))
        self._unsaved = False

    def begin(self, since: datetime) -> None:
        """
        Start watching at ``since``: the first poll then fires for what changed after it.

        A conference whose ``date_updated`` is in a later second than ``since`` changed after
        watching began, even if the first poll comes late (a slow or retried request); one
        updated in that second or earlier is where watching starts from.

        :param since: when watching began, on SignalWire's clock (aware).
        """
        self._began = _second(since)
        self._started = self._baseline = True
        self._unsaved = True  # a new watch: what was kept before no longer describes it

    def restore(self, saved: object) -> bool:
        """
        Start from a :meth:`watermark` (or a version 1 one) instead; return whether it was usable.

        :param saved: what :meth:`watermark` returned before the restart.
        """
        if not isinstance(saved, dict):
            return False
        try:
            if saved.get("version") == 1:
                began, memory = _read_version_1(saved)
                settled = began
            elif saved.get("version") == WATERMARK_VERSION:
                began, settled = _moment(saved["began"]), _moment(saved["settled"])
                memory = _read_memory(saved["conferences"])
            else:
                return False
        except (KeyError, TypeError, ValueError):
            return False
        self._began, self._settled, self._memory = began, settled, memory
        self._restored_settled = self._saved_settled = settled
        self._unsaved = saved.get("version") != WATERMARK_VERSION  # kept as it was read
        self._started, self._baseline = True, False
        self._last = None
        return True


def _moment(raw: object) -> datetime | None:
    if raw is None:
        return None
    moment = datetime.fromisoformat(str(raw))
    if moment.tzinfo is None:
        raise ValueError(f"not an aware date: {raw!r}")
    return _second(moment)


def _read_memory(raw: object) -> dict[str, _Memory]:
    if not isinstance(raw, dict):
        raise TypeError("conferences must be an object")
    memory = {}
    for sid, (status, updated) in raw.items():
        memory[str(sid)] = _Memory(STATUS_RANK[status], _moment(updated), None)
    return memory


def _read_version_1(saved: dict[str, Any]) -> tuple[datetime | None, dict[str, _Memory]]:
    """Version 1 kept the latest ``date_updated`` seen, its ties, and the live conferences."""
    ties, in_progress = saved["ties"], saved["in_progress"]
    if not isinstance(ties, dict) or not isinstance(in_progress, list):
        raise TypeError("ties must be an object and in_progress a list")
    through = _moment(saved.get("updated_through"))
    memory = {str(sid): _Memory(STATUS_RANK[status], through, None) for sid, status in ties.items()}
    for sid in in_progress:
        memory[str(sid)] = _Memory(STATUS_RANK["in-progress"], through, None)
    return through, memory
