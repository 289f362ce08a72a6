"""
The sync client's kill switch on its own: deadlines of answers, the watchdog, and the kill.

Each attempt's socket is one end of a ``socketpair``; the test reads the other end, which sees
the end of the stream the moment the kill switch shuts the attempt's socket down. Nothing here
sleeps to wait for something to happen: each wait is a blocking read or a thread join with a
generous bound, far from the deadlines being told apart.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.hooks._wire import KillSwitch

if TYPE_CHECKING:
    from collections.abc import Iterator

#: A deadline no test waits for: an attempt with it must never be cut during a test.
FAR = 60.0
#: How long a test waits for something that must happen at once.
BOUND = 20.0


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made: list[tuple[socket.socket, socket.socket]] = []
    yield made
    for ours, theirs in made:
        ours.close()
        theirs.close()


def pair(pairs: list[tuple[socket.socket, socket.socket]]) -> tuple[socket.socket, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.settimeout(BOUND)
    pairs.append((ours, theirs))
    return ours, theirs


def was_shut(theirs: socket.socket) -> bool:
    """Block until the other end is shut down (end of stream); False if it is still open."""
    try:
        return theirs.recv(1) == b""
    except TimeoutError:
        return False


def still_open(theirs: socket.socket) -> bool:
    theirs.setblocking(False)
    try:
        theirs.recv(1)
    except BlockingIOError:
        return True
    finally:
        theirs.settimeout(BOUND)
    return False


def test_an_earlier_deadline_wakes_the_sleeping_watchdog(pairs: list) -> None:
    switch = KillSwitch()
    late_ours, late_theirs = pair(pairs)
    first_ours, first_theirs = pair(pairs)
    soon_ours, soon_theirs = pair(pairs)
    switch.begin(FAR).sent(late_ours)
    switch.begin(0.1).sent(first_ours)
    assert was_shut(first_theirs)
    # The watchdog cut that one off and went back to sleep, until a minute from now: only a
    # wake-up for the earlier deadline below can cut the next one in time.
    switch.begin(0.2).sent(soon_ours)

    assert was_shut(soon_theirs)
    assert still_open(late_theirs)
    assert not switch.killed


def test_attempts_without_a_deadline_do_not_hide_one_past_its_deadline(pairs: list) -> None:
    switch = KillSwitch()
    unsent = [switch.begin(FAR) for _ in range(30)]  # registered, request not yet sent
    media_ours, media_theirs = pair(pairs)
    media = switch.begin(float("inf"))  # a download: no deadline for its whole answer
    media.sent(media_ours)
    timed_ours, timed_theirs = pair(pairs)
    timed = switch.begin(0.2)
    timed.sent(timed_ours)

    assert was_shut(timed_theirs)
    assert timed.timed_out and timed.cut_off
    assert still_open(media_theirs)
    assert not media.cut_off
    assert not any(attempt.cut_off for attempt in unsent)


def test_a_kill_shuts_every_attempt_in_flight_and_any_sent_later(pairs: list) -> None:
    switch = KillSwitch()
    flying = []
    for read_timeout in (FAR, float("inf")):
        ours, theirs = pair(pairs)
        switch.begin(read_timeout).sent(ours)
        flying.append(theirs)
    late = switch.begin(FAR)  # registered before the kill, its request sent after it

    switch.abort()

    assert switch.killed
    assert all(was_shut(theirs) for theirs in flying)
    late_ours, late_theirs = pair(pairs)
    late.sent(late_ours)
    assert was_shut(late_theirs)
    assert late.cut_off and not late.timed_out  # killed, not timed out


def test_the_watchdog_runs_only_while_a_deadline_is_pending(pairs: list) -> None:
    switch = KillSwitch()
    before = set(threading.enumerate())
    ours, theirs = pair(pairs)
    attempt = switch.begin(0.2)
    assert [t for t in threading.enumerate() if t not in before] == []  # nothing sent yet
    attempt.sent(ours)
    [watchdog] = [t for t in threading.enumerate() if t not in before]
    assert (watchdog.name, watchdog.daemon) == ("signalwire-deadlines", True)

    assert was_shut(theirs)
    switch.end(attempt)
    watchdog.join(BOUND)
    assert not watchdog.is_alive()  # no deadline left

    again_ours, again_theirs = pair(pairs)
    switch.begin(0.2).sent(again_ours)  # the next request starts another
    assert was_shut(again_theirs)


def test_an_ended_attempt_is_never_cut(pairs: list) -> None:
    switch = KillSwitch()
    ours, theirs = pair(pairs)
    attempt = switch.begin(0.2)
    attempt.sent(ours)
    switch.end(attempt)  # the answer came in time: the connection goes back to the pool
    keeper_ours, keeper_theirs = pair(pairs)
    keeper = switch.begin(0.4)
    keeper.sent(keeper_ours)

    assert was_shut(keeper_theirs)  # the watchdog ran past the first deadline
    assert still_open(theirs)
    assert not attempt.timed_out


def test_waiting_between_attempts_ends_at_a_kill() -> None:
    switch = KillSwitch()
    waiter = threading.Thread(target=switch.sleep, args=(FAR,))
    waiter.start()
    switch.abort()
    waiter.join(BOUND)
    assert not waiter.is_alive()
