"""Thread-safe in-memory store of the emulated SignalWire space."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.models import (
    ACTIVE_RECORDING_STATUSES,
    ACTIVE_STREAM_STATUSES,
    CONFERENCE_STATUSES,
    STREAM_STATUSES,
    Conference,
    ConflictError,
    JSONDict,
    Stream,
    UnknownResourceError,
    now,
    seeded_sids,
)
from airflow_provider_signalwire.testing.store_base import StoreBase

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class Store(StoreBase):
    """
    All conferences and their sub-resources, guarded by one re-entrant lock.

    :param project_id: the project (AccountSid) that owns everything.
    :param seed: selects the deterministic SIDs of the seeded objects.
    """

    def __init__(self, project_id: str, seed: int = 0) -> None:
        super().__init__(project_id)
        self._seed(seed)

    # -- conferences -----------------------------------------------------------------------

    def add_conference(
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
        _check_choice("status", status, CONFERENCE_STATUSES)
        created = date_created or now()
        with self.lock:
            c = Conference(
                sid or str(uuid.uuid4()), friendly_name, status, created, created, next(self._seq)
            )
            self._conferences[c.sid] = c
            return self.render.conference(c)

    def get_conference(self, sid: str) -> JSONDict:
        """
        Return one conference.

        :param sid: the conference SID.
        """
        with self.lock:
            return self.render.conference(self._conference(sid))

    def list_conferences(self, keep: Callable[[Conference], bool]) -> list[JSONDict]:
        """
        Return the conferences ``keep`` accepts, most recently created first.

        :param keep: predicate over the live records, called under the lock.
        """
        with self.lock:
            chosen = [c for c in self._conferences.values() if keep(c)]
            chosen.sort(key=lambda c: (c.date_created, c.seq), reverse=True)
            return [self.render.conference(c) for c in chosen]

    def update_conference(self, sid: str, status: str | None, options: dict[str, str]) -> JSONDict:
        """
        Apply an API update (``Status=completed``, announcements).

        :param sid: the conference SID.
        :param status: the new status, or ``None`` to keep it.
        :param options: other accepted fields, stored verbatim.
        """
        with self.lock:
            c = self._conference(sid)
            c.options.update(options)
            c.date_updated = now()
            if status is not None and status != c.status:
                self._set_status(c, status, c.date_updated)
            return self.render.conference(c)

    def set_conference_status(self, sid: str, status: str) -> JSONDict:
        """
        Move a conference to any status; completing it ends its streams and participants.

        :param sid: the conference SID.
        :param status: ``init``, ``in-progress`` or ``completed``.
        """
        _check_choice("status", status, CONFERENCE_STATUSES)
        with self.lock:
            c = self._conference(sid)
            self._set_status(c, status, now())
            return self.render.conference(c)

    def _set_status(self, c: Conference, status: str, moment: datetime) -> None:
        c.status = status
        c.date_updated = moment
        if status != "completed":
            return
        # A conference that ends takes its media with it, as on the real platform.
        for s in c.streams.values():
            if s.status in ACTIVE_STREAM_STATUSES:
                s.status, s.date_updated = "stopped", moment
        for r in c.recordings.values():
            if r.status in ACTIVE_RECORDING_STATUSES:
                r.status, r.date_updated, r.ended = "completed", moment, moment
        c.participants.clear()

    # -- streams ---------------------------------------------------------------------------

    def add_stream(
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
        _check_choice("status", status, STREAM_STATUSES)
        stamp = now()
        s = Stream(
            sid or str(uuid.uuid4()),
            name,
            status,
            stamp,
            dict(options or {}),
            dict(parameters or {}),
        )
        with self.lock:
            c = self._conference(conference_sid)
            if strict and c.status == "completed":
                raise ConflictError("Cannot start a stream on a completed conference")
            if (
                strict
                and name is not None
                and any(
                    o.name == name and o.status in ACTIVE_STREAM_STATUSES
                    for o in c.streams.values()
                )
            ):
                raise ConflictError(f"A stream named {name!r} is already active on this conference")
            c.streams[s.sid] = s
            self._stop_counts.setdefault(s.sid, 0)
            return self.render.stream(c, s)

    def _stream(self, c: Conference, candidates: Sequence[str]) -> Stream:
        for ident in candidates:
            if ident in c.streams:
                return c.streams[ident]
        for ident in candidates:
            named = [s for s in c.streams.values() if s.name == ident]
            if named:
                active = [s for s in named if s.status in ACTIVE_STREAM_STATUSES]
                return (active or named)[-1]
        raise UnknownResourceError(candidates[0] if candidates else "")

    def stop_stream(
        self, conference_sid: str, candidates: Sequence[str], repeat_status: int
    ) -> JSONDict:
        """
        Stop a stream addressed by SID or name, counting only stops that change state.

        :param conference_sid: the conference SID.
        :param candidates: identifiers to try in order (SID or name).
        :param repeat_status: 200 to answer a repeated stop with the stopped stream, 404 to
            treat it as unknown.
        """
        with self.lock:
            c = self._conference(conference_sid)
            s = self._stream(c, candidates)
            if s.status in ACTIVE_STREAM_STATUSES:
                s.status, s.date_updated = "stopped", now()
                self._stop_counts[s.sid] = self._stop_counts.get(s.sid, 0) + 1
            elif repeat_status == 404:
                raise UnknownResourceError(s.sid)
            return self.render.stream(c, s)

    def get_stream(self, conference_sid: str, ident: str) -> JSONDict | None:
        """
        Return a stream with its start details, or ``None`` if unknown.

        Besides the API fields the dict holds ``_parameters`` (custom parameters, name to
        value) and ``_options`` (the other start fields; the bearer token is never kept).

        :param conference_sid: the conference SID.
        :param ident: stream SID or name.
        """
        with self.lock:
            try:
                c = self._conference(conference_sid)
                s = self._stream(c, [ident])
            except UnknownResourceError:
                return None
            obj = self.render.stream(c, s)
            obj["_parameters"] = dict(s.parameters)
            obj["_options"] = dict(s.options)
            return obj

    @property
    def stop_counts(self) -> dict[str, int]:
        """Stream SID to the number of stop requests that changed its state (a copy)."""
        with self.lock:
            return dict(self._stop_counts)

    def snapshot(self) -> JSONDict:
        """Return everything, for the admin ``state`` endpoint."""
        with self.lock:
            conferences = []
            for c in sorted(self._conferences.values(), key=lambda c: c.seq):
                obj = self.render.conference(c)
                obj["streams"] = [self.get_stream(c.sid, sid) for sid in c.streams]
                obj["participants"] = [
                    self.render.participant(c, p) for p in c.participants.values()
                ]
                obj["recordings"] = [self.render.recording(c, r) for r in c.recordings.values()]
                conferences.append(obj)
            return {"conferences": conferences, "stop_counts": dict(self._stop_counts)}

    def _seed(self, seed: int) -> None:
        ids = seeded_sids(seed)
        stamp = now()
        conf_sids, stream_sids = ids["conferences"], ids["streams"]
        demo = conf_sids[0]
        self.add_conference(
            "demo-conference", "in-progress", sid=demo, date_created=stamp - timedelta(minutes=10)
        )
        for i, call_sid in enumerate(ids["participants"]):
            self.add_participant(demo, call_sid=call_sid, end_conference_on_exit=i == 0)
        self.add_recording(demo, sid=ids["recordings"][0], call_sid=ids["participants"][0])
        self.add_stream(demo, name="demo-stream", sid=stream_sids[0])
        self.add_stream(demo, sid=stream_sids[1])
        self.add_conference(
            "waiting-room", "init", sid=conf_sids[1], date_created=stamp - timedelta(minutes=5)
        )
        yesterday = stamp - timedelta(days=1)
        standup = conf_sids[2]
        self.add_conference("yesterday-standup", "in-progress", sid=standup, date_created=yesterday)
        self.add_stream(standup, name="standup-audio", sid=stream_sids[2])
        with self.lock:
            self._set_status(
                self._conferences[standup], "completed", yesterday + timedelta(hours=1)
            )


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
