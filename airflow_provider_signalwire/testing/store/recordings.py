"""Conference recordings: their records, their API rendering and their store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from airflow_provider_signalwire.testing.store.space import (
    API_VERSION,
    ConflictError,
    JSONDict,
    UnknownResourceError,
    rfc2822,
)

if TYPE_CHECKING:
    from datetime import datetime

    from airflow_provider_signalwire.testing.store.conferences import ConferenceStore

RECORDING_STATUSES = ("in-progress", "paused", "stopped", "completed")
ACTIVE_RECORDING_STATUSES = ("in-progress", "paused")


@dataclass
class Recording:
    """
    A recording of a conference.

    :param sid: the recording SID.
    :param call_sid: the call it is attributed to, if any.
    :param status: one of :data:`RECORDING_STATUSES`.
    :param date_created: when it started.
    :param date_updated: time of the last change.
    :param ended: when it stopped or completed, if it did.
    :param options: other accepted update fields, stored verbatim.
    """

    sid: str
    call_sid: str | None
    status: str
    date_created: datetime
    date_updated: datetime
    ended: datetime | None = None
    options: dict[str, str] = field(default_factory=dict)


class RecordingStore:
    """
    The recordings of every conference, in creation order.

    :param conferences: the conference store (its lock guards this one too).
    """

    def __init__(self, conferences: ConferenceStore) -> None:
        self.conferences = conferences
        self.space = conferences.space
        self._records: dict[str, dict[str, Recording]] = {}
        self.space.on_conference_completed(self._conference_completed)

    def _in(self, conference_sid: str) -> dict[str, Recording]:
        self.conferences.record(conference_sid)
        return self._records.setdefault(conference_sid, {})

    def _record(self, conference_sid: str, sid: str) -> Recording:
        try:
            return self._in(conference_sid)[sid]
        except KeyError:
            raise UnknownResourceError(sid) from None

    def _conference_completed(self, conference_sid: str, moment: datetime) -> None:
        for r in self._records.get(conference_sid, {}).values():
            if r.status in ACTIVE_RECORDING_STATUSES:
                r.status, r.date_updated, r.ended = "completed", moment, moment

    def render(self, conference_sid: str, r: Recording) -> JSONDict:
        """
        Render a recording as the API answers it.

        :param conference_sid: the conference it records.
        :param r: the record.
        """
        duration = int(((r.ended or self.space.now()) - r.date_created).total_seconds())
        uri = self.space.conference_uri(conference_sid)
        sid = quote(r.sid, safe="")
        return {
            "sid": r.sid,
            "account_sid": self.space.project_id,
            "api_version": API_VERSION,
            # The spec: always null for conference recordings (``call_sid`` is kept internally).
            "call_sid": None,
            "conference_sid": conference_sid,
            "channel": "1",
            "channels": "1",
            "date_created": rfc2822(r.date_created),
            "date_updated": rfc2822(r.date_updated),
            "start_time": rfc2822(r.date_created),
            "end_time": rfc2822(r.ended) if r.ended else None,
            "duration": max(duration, 0),
            "price": None,
            "price_unit": "USD",
            "source": "StartConferenceRecording",
            "status": r.status,
            "error_code": None,
            "uri": f"{uri}/Recordings/{sid}.json",
            "subresource_uris": {
                "transcriptions": f"{self.space.base_path}/Recordings/{sid}/Transcriptions.json"
            },
            "encryption_details": None,
            "trim": "do-not-trim",
        }

    def add(
        self,
        conference_sid: str,
        *,
        sid: str | None = None,
        status: str = "in-progress",
        call_sid: str | None = None,
    ) -> JSONDict:
        """
        Start a recording on a conference and return it.

        :param conference_sid: the conference SID.
        :param sid: a fixed SID; a random UUID otherwise.
        :param status: initial status (``in-progress``, ``paused``, ``stopped``, ``completed``).
        :param call_sid: the call the recording is attributed to, if any.
        """
        stamp = self.space.now()
        ended = None if status in ACTIVE_RECORDING_STATUSES else stamp
        r = Recording(sid or str(uuid.uuid4()), call_sid, status, stamp, stamp, ended)
        with self.space.lock:
            self._in(conference_sid)[r.sid] = r
            return self.render(conference_sid, r)

    def get(self, conference_sid: str, sid: str) -> JSONDict:
        """
        Return one recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        """
        with self.space.lock:
            return self.render(conference_sid, self._record(conference_sid, sid))

    def find(self, sid: str) -> JSONDict:
        """
        Return a recording by its SID alone, whatever its conference (account-level paths).

        :param sid: the recording SID.
        """
        with self.space.lock:
            for conference_sid, records in self._records.items():
                if sid in records:
                    return self.render(conference_sid, records[sid])
        raise UnknownResourceError(sid)

    def list(self, conference_sid: str) -> list[JSONDict]:
        """
        Return a conference's recordings in creation order.

        :param conference_sid: the conference SID.
        """
        with self.space.lock:
            return [self.render(conference_sid, r) for r in self._in(conference_sid).values()]

    def update(
        self, conference_sid: str, sid: str, status: str, options: dict[str, str]
    ) -> JSONDict:
        """
        Pause, resume or stop an active recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        :param status: ``paused``, ``in-progress`` or ``stopped``.
        :param options: other accepted fields (``PauseBehavior``), stored verbatim.
        """
        with self.space.lock:
            r = self._record(conference_sid, sid)
            if r.status not in ACTIVE_RECORDING_STATUSES:
                raise ConflictError(f"Recording {sid} is {r.status} and can no longer be updated")
            r.status, r.date_updated = status, self.space.now()
            if status == "stopped":
                r.ended = r.date_updated
            r.options.update(options)
            return self.render(conference_sid, r)

    def remove(self, conference_sid: str, sid: str) -> None:
        """
        Delete a recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        """
        with self.space.lock:
            r = self._record(conference_sid, sid)
            del self._in(conference_sid)[r.sid]
