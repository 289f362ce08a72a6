"""Conference participants: their records, their API rendering and their store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow_provider_signalwire.testing.store.space import (
    JSONDict,
    UnknownResourceError,
    rfc2822,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from airflow_provider_signalwire.testing.store.conferences import ConferenceStore


@dataclass
class Participant:
    """
    A call in a conference.

    :param call_sid: the participant's call SID.
    :param date_created: when it joined.
    :param date_updated: time of the last change.
    :param muted: whether it is muted.
    :param hold: whether it is on hold.
    :param end_conference_on_exit: whether its leaving ends the conference.
    :param coaching: whether it is coaching another participant.
    :param call_sid_to_coach: the participant it coaches, if any.
    :param start_conference_on_enter: whether its joining starts the conference.
    :param options: other accepted update fields, stored verbatim.
    """

    call_sid: str
    date_created: datetime
    date_updated: datetime
    muted: bool = False
    hold: bool = False
    end_conference_on_exit: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_conference_on_enter: bool = True
    options: dict[str, str] = field(default_factory=dict)


class ParticipantStore:
    """
    The participants of every conference, in joining order.

    :param conferences: the conference store (its lock guards this one too).
    """

    def __init__(self, conferences: ConferenceStore) -> None:
        self.conferences = conferences
        self.space = conferences.space
        self._records: dict[str, dict[str, Participant]] = {}
        self.space.on_conference_completed(self._conference_completed)

    def _in(self, conference_sid: str) -> dict[str, Participant]:
        self.conferences.record(conference_sid)
        return self._records.setdefault(conference_sid, {})

    def _record(self, conference_sid: str, call_sid: str) -> Participant:
        try:
            return self._in(conference_sid)[call_sid]
        except KeyError:
            raise UnknownResourceError(call_sid) from None

    def _conference_completed(self, conference_sid: str, moment: datetime) -> None:
        self._records.pop(conference_sid, None)

    def render(self, conference_sid: str, p: Participant) -> JSONDict:
        """
        Render a participant as the API answers it.

        :param conference_sid: the conference it is in.
        :param p: the record.
        """
        uri = self.space.conference_uri(conference_sid)
        return {
            "account_sid": self.space.project_id,
            "call_sid": p.call_sid,
            "conference_sid": conference_sid,
            "date_created": rfc2822(p.date_created),
            "date_updated": rfc2822(p.date_updated),
            "end_conference_on_exit": p.end_conference_on_exit,
            "muted": p.muted,
            "hold": p.hold,
            "coaching": p.coaching,
            "call_sid_to_coach": p.call_sid_to_coach,
            "start_conference_on_enter": p.start_conference_on_enter,
            # Only calls in the conference are listed; one that left is gone (DELETE, or
            # the conference ending), so every participant shown is in progress.
            "status": "in-progress",
            "uri": f"{uri}/Participants/{quote(p.call_sid, safe='')}.json",
        }

    def add(
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
        stamp = self.space.now()
        p = Participant(
            call_sid or str(uuid.uuid4()), stamp, stamp, muted, hold, end_conference_on_exit
        )
        with self.space.lock:
            self._in(conference_sid)[p.call_sid] = p
            return self.render(conference_sid, p)

    def get(self, conference_sid: str, call_sid: str) -> JSONDict:
        """
        Return one participant.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        """
        with self.space.lock:
            return self.render(conference_sid, self._record(conference_sid, call_sid))

    def list(self, conference_sid: str, keep: Callable[[Participant], bool]) -> list[JSONDict]:
        """
        Return the participants ``keep`` accepts, in joining order.

        :param conference_sid: the conference SID.
        :param keep: predicate over the live records, called under the lock.
        """
        with self.space.lock:
            items = self._in(conference_sid).values()
            return [self.render(conference_sid, p) for p in items if keep(p)]

    def update(
        self, conference_sid: str, call_sid: str, changes: dict[str, Any], options: dict[str, str]
    ) -> JSONDict:
        """
        Set typed attributes (``muted``, ``hold``, ...) and store other accepted fields.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        :param changes: attribute name to new value.
        :param options: other accepted fields, stored verbatim.
        """
        with self.space.lock:
            p = self._record(conference_sid, call_sid)
            for attribute, value in changes.items():
                setattr(p, attribute, value)
            p.options.update(options)
            p.date_updated = self.space.now()
            return self.render(conference_sid, p)

    def remove(self, conference_sid: str, call_sid: str) -> None:
        """
        Remove a participant from its conference.

        :param conference_sid: the conference SID.
        :param call_sid: the participant's call SID.
        """
        with self.space.lock:
            p = self._record(conference_sid, call_sid)
            del self._in(conference_sid)[p.call_sid]
