"""The deterministic SIDs of the objects every emulator starts with."""

from __future__ import annotations

import uuid
from typing import Any

#: Namespace of the deterministic seed SIDs; changing it changes every documented seed SID.
NAMESPACE = uuid.UUID("8d5c3a2e-6f0b-4e8a-9c1d-2b7e4f6a0c15")


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
