"""Conferences: their records, their API rendering and their store."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.store.space import (
    API_VERSION,
    JSONDict,
    Space,
    UnknownResourceError,
    check_choice,
    now,
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


class ConferenceStore:
    """
    Every conference of the space.

    :param space: the shared lock and paths.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._seq = itertools.count()
        self._records: dict[str, Conference] = {}

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
        created = date_created or now()
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

    def list(self, keep: Callable[[Conference], bool]) -> list[JSONDict]:
        """
        Return the conferences ``keep`` accepts, most recently created first.

        :param keep: predicate over the live records, called under the lock.
        """
        with self.space.lock:
            chosen = [c for c in self._records.values() if keep(c)]
            chosen.sort(key=lambda c: (c.date_created, c.seq), reverse=True)
            return [self.render(c) for c in chosen]

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
            c.date_updated = now()
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
            self._set_status(c, status, moment or now())
            return self.render(c)

    def _set_status(self, c: Conference, status: str, moment: datetime) -> None:
        c.status = status
        c.date_updated = moment
        if status == "completed":
            # A conference that ends takes its media with it, as on the real platform.
            self.space.conference_completed(c.sid, moment)
