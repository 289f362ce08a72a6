"""
``SignalWireEmulator.add_participant`` adds an ordinary participant unless told otherwise.

Not muted, not on hold, and its leaving does not end the conference: each flag is false
unless its argument is given.
"""

from __future__ import annotations

from airflow_provider_signalwire.testing import SignalWireEmulator


def test_a_participant_added_without_flags_has_every_flag_false() -> None:
    emu = SignalWireEmulator()
    conference = emu.add_conference("defaults", "in-progress")["sid"]

    participant = emu.add_participant(conference)

    assert participant["muted"] is False
    assert participant["hold"] is False
    assert participant["end_conference_on_exit"] is False
