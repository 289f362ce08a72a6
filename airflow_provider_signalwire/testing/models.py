"""Records of the emulated SignalWire space and their API (JSON) rendering."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

JSONDict = dict[str, Any]

#: Namespace of the deterministic seed SIDs; changing it changes every documented seed SID.
NAMESPACE = uuid.UUID("8d5c3a2e-6f0b-4e8a-9c1d-2b7e4f6a0c15")
API_VERSION = "2010-04-01"
CONFERENCE_STATUSES = ("init", "in-progress", "completed")
STREAM_STATUSES = ("queued", "in-progress", "stopped")
ACTIVE_STREAM_STATUSES = ("queued", "in-progress")
RECORDING_STATUSES = ("in-progress", "paused", "stopped", "completed")
ACTIVE_RECORDING_STATUSES = ("in-progress", "paused")


class UnknownResourceError(LookupError):
    """A conference, participant, recording or stream that does not exist."""


class ConflictError(ValueError):
    """A well-formed request that the current state forbids (answered 422)."""


def seeded_sid(seed: int, kind: str, index: int) -> str:
    """
    Return the deterministic SID of the ``index``-th seeded object of ``kind``.

    :param seed: the emulator seed.
    :param kind: ``conference``, ``participant``, ``recording`` or ``stream``.
    :param index: position of the object in the seed.
    """
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{kind}:{index}"))


def seeded_sids(seed: int = 0) -> dict[str, Any]:
    """
    Return the SIDs an emulator started with ``seed`` holds, without starting one.

    :param seed: the emulator seed.
    """
    conferences = [seeded_sid(seed, "conference", i) for i in range(3)]
    streams = [seeded_sid(seed, "stream", i) for i in range(3)]
    return {
        "conferences": conferences,
        "streams": streams,
        "participants": [seeded_sid(seed, "participant", i) for i in range(2)],
        "recordings": [seeded_sid(seed, "recording", 0)],
        "demo_conference_sid": conferences[0],
        "demo_stream_sid": streams[0],
    }


#: The SIDs of the default seed (0); example DAGs hard-code the demo ones.
DEFAULT_SEED_SIDS: dict[str, Any] = seeded_sids(0)


def now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def rfc2822(moment: datetime) -> str:
    """
    Format ``moment`` the way the API does (``Tue, 25 Sep 2018 20:00:00 GMT``).

    :param moment: an aware datetime.
    """
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


@dataclass
class Stream:
    sid: str
    name: str | None
    status: str
    date_updated: datetime
    options: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Participant:
    call_sid: str
    date_created: datetime
    date_updated: datetime
    muted: bool = False
    hold: bool = False
    end_conference_on_exit: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Recording:
    sid: str
    call_sid: str | None
    status: str
    date_created: datetime
    date_updated: datetime
    ended: datetime | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Conference:
    sid: str
    friendly_name: str
    status: str
    date_created: datetime
    date_updated: datetime
    seq: int
    options: dict[str, str] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    streams: dict[str, Stream] = field(default_factory=dict)


class Renderer:
    """
    Turns records into the JSON objects the Compatibility API answers.

    :param project_id: the AccountSid written into every object.
    """

    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.base_path = f"/api/laml/{API_VERSION}/Accounts/{quote(project_id, safe='')}"

    def conference_uri(self, sid: str) -> str:
        """
        Return the API path of a conference, without the ``.json`` suffix.

        :param sid: the conference SID.
        """
        return f"{self.base_path}/Conferences/{quote(sid, safe='')}"

    def conference(self, c: Conference) -> JSONDict:
        """
        Render a conference.

        :param c: the record.
        """
        uri = self.conference_uri(c.sid)
        return {
            "sid": c.sid,
            "account_sid": self.project_id,
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

    def participant(self, c: Conference, p: Participant) -> JSONDict:
        """
        Render a participant.

        :param c: the conference it is in.
        :param p: the record.
        """
        return {
            "account_sid": self.project_id,
            "call_sid": p.call_sid,
            "conference_sid": c.sid,
            "date_created": rfc2822(p.date_created),
            "date_updated": rfc2822(p.date_updated),
            "end_conference_on_exit": p.end_conference_on_exit,
            "muted": p.muted,
            "hold": p.hold,
            "coaching": p.coaching,
            "call_sid_to_coach": p.call_sid_to_coach,
            "status": "connected",
            "uri": f"{self.conference_uri(c.sid)}/Participants/{quote(p.call_sid, safe='')}.json",
        }

    def recording(self, c: Conference, r: Recording) -> JSONDict:
        """
        Render a recording.

        :param c: the conference it records.
        :param r: the record.
        """
        duration = int(((r.ended or now()) - r.date_created).total_seconds())
        return {
            "sid": r.sid,
            "account_sid": self.project_id,
            "conference_sid": c.sid,
            "call_sid": r.call_sid,
            "status": r.status,
            "duration": max(duration, 0),
            "channels": 1,
            "source": "StartConferenceRecordingAPI",
            "date_created": rfc2822(r.date_created),
            "date_updated": rfc2822(r.date_updated),
            "start_time": rfc2822(r.date_created),
            "price": None,
            "price_unit": "USD",
            "uri": f"{self.conference_uri(c.sid)}/Recordings/{quote(r.sid, safe='')}.json",
            "api_version": API_VERSION,
        }

    def stream(self, c: Conference, s: Stream) -> JSONDict:
        """
        Render a stream exactly as the start/stop endpoints answer it.

        :param c: the conference it belongs to.
        :param s: the record.
        """
        return {
            "account_sid": self.project_id,
            "conference_sid": c.sid,
            "date_updated": rfc2822(s.date_updated),
            "name": s.name,
            "sid": s.sid,
            "status": s.status,
            "uri": f"{self.conference_uri(c.sid)}/Streams/{quote(s.sid, safe='')}.json",
        }
