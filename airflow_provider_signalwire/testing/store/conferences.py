"""Conferences: their records, their API rendering and their store."""

from __future__ import annotations

import dataclasses
import itertools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, overload

from airflow_provider_signalwire.testing.store.space import (
    API_VERSION,
    JSONDict,
    Space,
    UnknownResourceError,
    check_choice,
    rfc2822,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

CONFERENCE_STATUSES = ("init", "in-progress", "completed")


@dataclass
class Conference:
    """
    A conference as the emulator keeps it.

    :param sid: the conference SID.
    :param friendly_name: its name.
    :param status: ``init``, ``in-progress`` or ``completed``.
    :param date_created: creation time.
    :param date_updated: time of the last change.
    :param seq: creation order, to break ties between equal creation times.
    :param options: other accepted update fields, stored verbatim.
    """

    sid: str
    friendly_name: str
    status: str
    date_created: datetime
    date_updated: datetime
    seq: int
    options: dict[str, str] = field(default_factory=dict)


def _check_seconds(seconds: float) -> timedelta:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a positive finite number, got {seconds!r}")
    return timedelta(seconds=seconds)


class _Rendered(Sequence[JSONDict]):
    """Conferences chosen for a listing, each rendered (under the lock) when read."""

    def __init__(self, store: ConferenceStore, chosen: list[Conference]) -> None:
        self._store, self._chosen = store, chosen

    def __len__(self) -> int:
        return len(self._chosen)

    @overload
    def __getitem__(self, index: int) -> JSONDict: ...

    @overload
    def __getitem__(self, index: slice) -> list[JSONDict]: ...

    def __getitem__(self, index: int | slice) -> JSONDict | list[JSONDict]:
        with self._store.space.lock:
            if isinstance(index, slice):
                return [self._store.render(c) for c in self._chosen[index]]
            return self._store.render(self._chosen[index])


class ConferenceStore:
    """
    Every conference of the space, and how its listings misbehave as a busy real one's do.

    A conference can be hidden from listings for a while (eventual consistency, a page shift),
    and a listing can show a stale copy of a conference beside its fresh one (a lagging
    replica). Both last a number of seconds of the server's clock.

    :param space: the shared lock, paths and clock.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._seq = itertools.count()
        self._records: dict[str, Conference] = {}
        self._hidden: dict[str, datetime] = {}
        self._stale: list[tuple[datetime, Conference]] = []

    def record(self, sid: str) -> Conference:
        """
        Return the live record (callers hold the lock) or raise ``UnknownResourceError``.

        :param sid: the conference SID.
        """
        try:
            return self._records[sid]
        except KeyError:
            raise UnknownResourceError(sid) from None

    def render(self, c: Conference) -> JSONDict:
        """
        Render a conference as the API answers it.

        :param c: the record.
        """
        uri = self.space.conference_uri(c.sid)
        return {
            "sid": c.sid,
            "account_sid": self.space.project_id,
            "friendly_name": c.friendly_name,
            "status": c.status,
            "date_created": rfc2822(c.date_created),
            "date_updated": rfc2822(c.date_updated),
            "api_version": API_VERSION,
            "region": "us1",
            "uri": f"{uri}.json",
            "subresource_uris": {
                "participants": f"{uri}/Participants.json",
                "recordings": f"{uri}/Recordings.json",
            },
        }

    def add(
        self,
        friendly_name: str,
        status: str = "init",
        *,
        sid: str | None = None,
        date_created: datetime | None = None,
    ) -> JSONDict:
        """
        Create a conference and return it.

        :param friendly_name: the conference name.
        :param status: ``init``, ``in-progress`` or ``completed``.
        :param sid: a fixed SID (seeding); a random UUID otherwise.
        :param date_created: creation time; now by default.
        """
        check_choice("status", status, CONFERENCE_STATUSES)
        created = date_created or self.space.now()
        with self.space.lock:
            c = Conference(
                sid or str(uuid.uuid4()), friendly_name, status, created, created, next(self._seq)
            )
            self._records[c.sid] = c
            return self.render(c)

    def get(self, sid: str) -> JSONDict:
        """
        Return one conference.

        :param sid: the conference SID.
        """
        with self.space.lock:
            return self.render(self.record(sid))

    def sids(self) -> list[str]:
        """Return every conference SID in creation order."""
        with self.space.lock:
            return [c.sid for c in sorted(self._records.values(), key=lambda c: c.seq)]

    def list(self, keep: Callable[[Conference], bool]) -> Sequence[JSONDict]:
        """
        Return the conferences ``keep`` accepts, most recently created first.

        Rendered when read (a page of 20,000 conferences renders only its own 1,000).

        Hidden conferences are left out, and stale copies put in beside their fresh one
        (after it), while they last.

        :param keep: predicate over the records (live ones and stale copies), called under
            the lock.
        """
        with self.space.lock:
            moment = self.space.now()
            self._hidden = {sid: end for sid, end in self._hidden.items() if end > moment}
            self._stale = [(end, copy) for end, copy in self._stale if end > moment]
            shown = [c for c in self._records.values() if c.sid not in self._hidden]
            shown += [copy for _, copy in self._stale if copy.sid not in self._hidden]
            chosen = [c for c in shown if keep(c)]
            # Stable: a stale copy, added after the live records, comes after its fresh one.
            chosen.sort(key=lambda c: (c.date_created, c.seq), reverse=True)
            return _Rendered(self, chosen)

    def hide(self, sid: str, seconds: float) -> None:
        """
        Leave a conference out of every listing for ``seconds`` of the server's clock.

        It can still be fetched by SID; hiding it again restarts the time.

        :param sid: the conference SID.
        :param seconds: how long, in seconds (> 0).
        """
        span = _check_seconds(seconds)
        with self.space.lock:
            self.record(sid)
            self._hidden[sid] = self.space.now() + span

    def add_stale_copy(self, sid: str, seconds: float) -> None:
        """
        Show the conference as it is now in every listing for ``seconds``, beside its fresh self.

        Take the copy, then change the conference: listings show both the old and the new
        state, as a lagging replica would.

        :param sid: the conference SID.
        :param seconds: how long, in seconds of the server's clock (> 0).
        """
        span = _check_seconds(seconds)
        with self.space.lock:
            copy = dataclasses.replace(self.record(sid), options={})
            self._stale.append((self.space.now() + span, copy))

    def update(self, sid: str, status: str | None, options: dict[str, str]) -> JSONDict:
        """
        Apply an API update (``Status=completed``, announcements).

        :param sid: the conference SID.
        :param status: the new status, or ``None`` to keep it.
        :param options: other accepted fields, stored verbatim.
        """
        with self.space.lock:
            c = self.record(sid)
            c.options.update(options)
            c.date_updated = self.space.now()
            if status is not None and status != c.status:
                self._set_status(c, status, c.date_updated)
            return self.render(c)

    def set_status(self, sid: str, status: str, moment: datetime | None = None) -> JSONDict:
        """
        Move a conference to any status; completing it ends its media and participants.

        :param sid: the conference SID.
        :param status: ``init``, ``in-progress`` or ``completed``.
        :param moment: when the change happens; now by default.
        """
        check_choice("status", status, CONFERENCE_STATUSES)
        with self.space.lock:
            c = self.record(sid)
            self._set_status(c, status, moment or self.space.now())
            return self.render(c)

    def _set_status(self, c: Conference, status: str, moment: datetime) -> None:
        c.status = status
        c.date_updated = moment
        if status == "completed":
            # A conference that ends takes its media with it, as on the real platform.
            self.space.conference_completed(c.sid, moment)
