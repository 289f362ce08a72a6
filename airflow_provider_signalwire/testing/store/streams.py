"""Conference media streams: their records, their API rendering and their store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from airflow_provider_signalwire.testing.store.space import (
    ConflictError,
    JSONDict,
    UnknownResourceError,
    check_choice,
    rfc2822,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from airflow_provider_signalwire.testing.store.conferences import ConferenceStore

STREAM_STATUSES = ("queued", "in-progress", "stopped")
ACTIVE_STREAM_STATUSES = ("queued", "in-progress")


@dataclass
class Stream:
    """
    A media stream of a conference.

    :param sid: the stream SID.
    :param name: its optional name (streams can be addressed by name).
    :param status: one of :data:`STREAM_STATUSES`.
    :param date_updated: time of the last change.
    :param options: the start fields (``Url``, ``Track``, ...), never the bearer token.
    :param parameters: custom parameters, name to value.
    """

    sid: str
    name: str | None
    status: str
    date_updated: datetime
    options: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


class StreamStore:
    """
    The streams of every conference, and how many stops changed each one.

    :param conferences: the conference store (its lock guards this one too).
    """

    def __init__(self, conferences: ConferenceStore) -> None:
        self.conferences = conferences
        self.space = conferences.space
        self._records: dict[str, dict[str, Stream]] = {}
        self._stop_counts: dict[str, int] = {}
        self.space.on_conference_completed(self._conference_completed)

    def _in(self, conference_sid: str) -> dict[str, Stream]:
        self.conferences.record(conference_sid)
        return self._records.setdefault(conference_sid, {})

    def _conference_completed(self, conference_sid: str, moment: datetime) -> None:
        for s in self._records.get(conference_sid, {}).values():
            if s.status in ACTIVE_STREAM_STATUSES:
                s.status, s.date_updated = "stopped", moment

    def render(self, conference_sid: str, s: Stream) -> JSONDict:
        """
        Render a stream exactly as the start/stop endpoints answer it.

        :param conference_sid: the conference it belongs to.
        :param s: the record.
        """
        uri = self.space.conference_uri(conference_sid)
        return {
            "account_sid": self.space.project_id,
            "conference_sid": conference_sid,
            "date_updated": rfc2822(s.date_updated),
            "name": s.name,
            "sid": s.sid,
            "status": s.status,
            "uri": f"{uri}/Streams/{quote(s.sid, safe='')}.json",
        }

    def add(
        self,
        conference_sid: str,
        *,
        name: str | None = None,
        status: str = "in-progress",
        sid: str | None = None,
        options: dict[str, str] | None = None,
        parameters: dict[str, str] | None = None,
        strict: bool = False,
    ) -> JSONDict:
        """
        Create a stream and return its API object.

        :param conference_sid: the conference SID.
        :param name: optional stream name.
        :param status: ``queued``, ``in-progress`` or ``stopped``.
        :param sid: a fixed SID; a random UUID otherwise.
        :param options: start options (``Url``, ``Track``, ...), kept for inspection.
        :param parameters: custom parameters, kept for inspection.
        :param strict: enforce the API's rules (open conference, unique active name); test
            helpers leave it off so tests can build states the API would refuse.
        """
        check_choice("status", status, STREAM_STATUSES)
        s = Stream(
            sid or str(uuid.uuid4()),
            name,
            status,
            self.space.now(),
            dict(options or {}),
            dict(parameters or {}),
        )
        with self.space.lock:
            streams = self._in(conference_sid)
            if strict and self.conferences.record(conference_sid).status == "completed":
                raise ConflictError("Cannot start a stream on a completed conference")
            if (
                strict
                and name is not None
                and any(
                    o.name == name and o.status in ACTIVE_STREAM_STATUSES for o in streams.values()
                )
            ):
                raise ConflictError(f"A stream named {name!r} is already active on this conference")
            streams[s.sid] = s
            self._stop_counts.setdefault(s.sid, 0)
            return self.render(conference_sid, s)

    def _find(self, conference_sid: str, candidates: Sequence[str]) -> Stream:
        streams = self._in(conference_sid)
        for ident in candidates:
            if ident in streams:
                return streams[ident]
        for ident in candidates:
            named = [s for s in streams.values() if s.name == ident]
            if named:
                active = [s for s in named if s.status in ACTIVE_STREAM_STATUSES]
                return (active or named)[-1]
        raise UnknownResourceError(candidates[0] if candidates else "")

    def stop(self, conference_sid: str, candidates: Sequence[str], repeat_status: int) -> JSONDict:
        """
        Stop a stream addressed by SID or name, counting only stops that change state.

        :param conference_sid: the conference SID.
        :param candidates: identifiers to try in order (SID or name).
        :param repeat_status: 200 to answer a repeated stop with the stopped stream, 404 to
            treat it as unknown.
        """
        with self.space.lock:
            s = self._find(conference_sid, candidates)
            if s.status in ACTIVE_STREAM_STATUSES:
                s.status, s.date_updated = "stopped", self.space.now()
                self._stop_counts[s.sid] = self._stop_counts.get(s.sid, 0) + 1
            elif repeat_status == 404:
                raise UnknownResourceError(s.sid)
            return self.render(conference_sid, s)

    def get(self, conference_sid: str, ident: str) -> JSONDict | None:
        """
        Return a stream with its start details, or ``None`` if unknown.

        Besides the API fields the dict holds ``_parameters`` (custom parameters, name to
        value) and ``_options`` (the other start fields; the bearer token is never kept).

        :param conference_sid: the conference SID.
        :param ident: stream SID or name.
        """
        with self.space.lock:
            try:
                s = self._find(conference_sid, [ident])
            except UnknownResourceError:
                return None
            obj = self.render(conference_sid, s)
            obj["_parameters"] = dict(s.parameters)
            obj["_options"] = dict(s.options)
            return obj

    def list(self, conference_sid: str) -> list[JSONDict]:
        """
        Return a conference's streams in creation order, with their start details.

        :param conference_sid: the conference SID.
        """
        with self.space.lock:
            sids = list(self._in(conference_sid))
            return [obj for sid in sids if (obj := self.get(conference_sid, sid)) is not None]

    @property
    def stop_counts(self) -> dict[str, int]:
        """Stream SID to the number of stop requests that changed its state (a copy)."""
        with self.space.lock:
            return dict(self._stop_counts)
