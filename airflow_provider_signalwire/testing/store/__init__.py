"""
The emulator's in-memory state, one module per resource.

:class:`Store` puts the resource stores together and seeds them; a new resource is one new
module with its record, its rendering and its store, plus one line here.
"""

from __future__ import annotations

from datetime import timedelta

from airflow_provider_signalwire.testing.store.conferences import ConferenceStore
from airflow_provider_signalwire.testing.store.media import MediaStore
from airflow_provider_signalwire.testing.store.messages import MessageStore
from airflow_provider_signalwire.testing.store.participants import ParticipantStore
from airflow_provider_signalwire.testing.store.recordings import RecordingStore
from airflow_provider_signalwire.testing.store.seed import seeded_sids
from airflow_provider_signalwire.testing.store.space import JSONDict, Space
from airflow_provider_signalwire.testing.store.streams import StreamStore


class Store:
    """
    Every resource of the emulated space, guarded by one re-entrant lock.

    :param project_id: the project (AccountSid) that owns everything.
    :param seed: selects the deterministic SIDs of the seeded objects.
    :param clock_offset: how far the server's clock is ahead of the real one.
    """

    def __init__(
        self, project_id: str, seed: int = 0, clock_offset: timedelta = timedelta(0)
    ) -> None:
        self.space = Space(project_id, clock_offset)
        self.conferences = ConferenceStore(self.space)
        self.participants = ParticipantStore(self.conferences)
        self.recordings = RecordingStore(self.conferences)
        self.media = MediaStore(self.recordings)
        self.streams = StreamStore(self.conferences)
        self.messages = MessageStore(self.space)
        self._seed(seed)

    def snapshot(self) -> JSONDict:
        """Return every conference with its streams, participants and recordings; stop counts."""
        with self.space.lock:
            conferences = []
            for sid in self.conferences.sids():
                obj = self.conferences.get(sid)
                obj["streams"] = self.streams.list(sid)
                obj["participants"] = self.participants.list(sid, lambda p: True)
                obj["recordings"] = self.recordings.list(sid)
                conferences.append(obj)
            return {
                "conferences": conferences,
                "stop_counts": self.streams.stop_counts,
                "messages": self.messages.list(),
            }

    def _seed(self, seed: int) -> None:
        ids = seeded_sids(seed)
        stamp = self.space.now()
        conf_sids, stream_sids = ids["conferences"], ids["streams"]
        demo = conf_sids[0]
        self.conferences.add(
            "demo-conference", "in-progress", sid=demo, date_created=stamp - timedelta(minutes=10)
        )
        for i, call_sid in enumerate(ids["participants"]):
            self.participants.add(demo, call_sid=call_sid, end_conference_on_exit=i == 0)
        self.recordings.add(demo, sid=ids["recordings"][0], call_sid=ids["participants"][0])
        self.streams.add(demo, name="demo-stream", sid=stream_sids[0])
        self.streams.add(demo, sid=stream_sids[1])
        self.conferences.add(
            "waiting-room", "init", sid=conf_sids[1], date_created=stamp - timedelta(minutes=5)
        )
        yesterday = stamp - timedelta(days=1)
        standup = conf_sids[2]
        self.conferences.add(
            "yesterday-standup", "in-progress", sid=standup, date_created=yesterday
        )
        self.streams.add(standup, name="standup-audio", sid=stream_sids[2])
        self.conferences.set_status(standup, "completed", yesterday + timedelta(hours=1))
