"""Store core: records, the lock, participants and recordings."""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.models import (
    ACTIVE_RECORDING_STATUSES,
    Conference,
    ConflictError,
    JSONDict,
    Participant,
    Recording,
    Renderer,
    UnknownResourceError,
    now,
)

if TYPE_CHECKING:
    from collections.abc import Callable


class StoreBase:
    """
    The records, their lock, and the participant and recording operations.

    Every public method takes the lock, so each call is atomic; methods return rendered API
    objects (fresh dicts), never the live records. :class:`~.state.Store` adds conferences,
    streams and seeding.

    :param project_id: the project (AccountSid) that owns everything.
    """

    def __init__(self, project_id: str) -> None:
        self.render = Renderer(project_id)
        self.lock = threading.RLock()
        self._seq = itertools.count()
        self._conferences: dict[str, Conference] = {}
        self._stop_counts: dict[str, int] = {}

    def _conference(self, sid: str) -> Conference:
        try:
            return self._conferences[sid]
        except KeyError:
            raise UnknownResourceError(sid) from None

    # -- participants ----------------------------------------------------------------------

    def _participant(self, conference_sid: str, call_sid: str) -> tuple[Conference, Participant]:
        c = self._conference(conference_sid)
        try:
            return c, c.participants[call_sid]
        except KeyError:
            raise UnknownResourceError(call_sid) from None

    def add_participant(
        self,
        conference_sid: str,
        *,
        call_sid: str | None = None,
        muted: bool = False,
        hold: bool = False,
        end_conference_on_exit: bool = False,
    ) -> JSONDict:
        """
        Add a participant to a conference and return it.

        :param conference_sid: the conference SID.
        :param call_sid: a fixed call SID; a random UUID otherwise.
        :param muted: whether the participant starts muted.
        :param hold: whether the participant starts on hold.
        :param end_conference_on_exit: whether leaving ends the conference.
        """
        stamp = now()
        p = Participant(
            call_sid or str(uuid.uuid4()), stamp, stamp, muted, hold, end_conference_on_exit
        )
        with self.lock:
            c = self._conference(conference_sid)
            c.participants[p.call_sid] = p
            return self.render.participant(c, p)

    def get_participant(self, conference_sid: str, call_sid: str) -> JSONDict:
        """
        Return one participant.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        """
        with self.lock:
            return self.render.participant(*self._participant(conference_sid, call_sid))

    def list_participants(
        self, conference_sid: str, keep: Callable[[Participant], bool]
    ) -> list[JSONDict]:
        """
        Return the participants ``keep`` accepts, in joining order.

        :param conference_sid: the conference SID.
        :param keep: predicate over the live records, called under the lock.
        """
        with self.lock:
            c = self._conference(conference_sid)
            return [self.render.participant(c, p) for p in c.participants.values() if keep(p)]

    def update_participant(
        self, conference_sid: str, call_sid: str, changes: dict[str, Any], options: dict[str, str]
    ) -> JSONDict:
        """
        Set typed attributes (``muted``, ``hold``, ...) and store other accepted fields.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        :param changes: attribute name to new value.
        :param options: other accepted fields, stored verbatim.
        """
        with self.lock:
            c, p = self._participant(conference_sid, call_sid)
            for attribute, value in changes.items():
                setattr(p, attribute, value)
            p.options.update(options)
            p.date_updated = now()
            return self.render.participant(c, p)

    def remove_participant(self, conference_sid: str, call_sid: str) -> None:
        """
        Remove a participant from its conference.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        """
        with self.lock:
            c, p = self._participant(conference_sid, call_sid)
            del c.participants[p.call_sid]

    # -- recordings ------------------------------------------------------------------------

    def _recording(self, conference_sid: str, sid: str) -> tuple[Conference, Recording]:
        c = self._conference(conference_sid)
        try:
            return c, c.recordings[sid]
        except KeyError:
            raise UnknownResourceError(sid) from None

    def add_recording(
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
        stamp = now()
        ended = None if status in ACTIVE_RECORDING_STATUSES else stamp
        r = Recording(sid or str(uuid.uuid4()), call_sid, status, stamp, stamp, ended)
        with self.lock:
            c = self._conference(conference_sid)
            c.recordings[r.sid] = r
            return self.render.recording(c, r)

    def get_recording(self, conference_sid: str, sid: str) -> JSONDict:
        """
        Return one recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        """
        with self.lock:
            return self.render.recording(*self._recording(conference_sid, sid))

    def list_recordings(self, conference_sid: str) -> list[JSONDict]:
        """
        Return a conference's recordings in creation order.

        :param conference_sid: the conference SID.
        """
        with self.lock:
            c = self._conference(conference_sid)
            return [self.render.recording(c, r) for r in c.recordings.values()]

    def update_recording(
        self, conference_sid: str, sid: str, status: str, options: dict[str, str]
    ) -> JSONDict:
        """
        Pause, resume or stop an active recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        :param status: ``paused``, ``in-progress`` or ``stopped``.
        :param options: other accepted fields (``PauseBehavior``), stored verbatim.
        """
        with self.lock:
            c, r = self._recording(conference_sid, sid)
            if r.status not in ACTIVE_RECORDING_STATUSES:
                raise ConflictError(f"Recording {sid} is {r.status} and can no longer be updated")
            r.status, r.date_updated = status, now()
            if status == "stopped":
                r.ended = r.date_updated
            r.options.update(options)
            return self.render.recording(c, r)

    def remove_recording(self, conference_sid: str, sid: str) -> None:
        """
        Delete a recording.

        :param conference_sid: the conference SID.
        :param sid: the recording SID.
        """
        with self.lock:
            c, r = self._recording(conference_sid, sid)
            del c.recordings[r.sid]
