"""
One conference poller per (connection, account) in an event loop, shared by every trigger.

Waiting triggers register what they wait for (:meth:`ConferencePoller.wait_for`) and event
triggers subscribe to each poll's listing (:meth:`ConferencePoller.sweeps`). Once per interval
(the shortest any user asked for) the poller lists the conferences updated since yesterday,
``DateUpdated>=`` in SignalWire's filters, 1,000 per page, and wakes the waiters whose
conference reached a target status. Any status change updates ``date_updated``, so that one
listing sees every change.

A waiter's first look must be exact, so a conference the listing does not show (not updated
since yesterday) is looked up on its own: by SID (an unknown SID is an error, as in the sensor)
or by name (the newest conference of that name). At most :data:`FIRST_LOOKS_PER_POLL` such
looks are made per poll, so a thousand new waiters never mean a thousand requests at once.
When every waiter has been looked at, waits by SID for one same status, and no event trigger
listens, the listing adds ``Status=`` too.

Each listing is parsed and indexed once (:class:`~._conferences.ListingIndex`, by SID and by
name, with what changed since the previous listing), page by page as the pages arrive and in
slices between which the event loop runs, so that a busy account's listing is never held whole
(only what changed is kept), and handed to every user with SignalWire's clock at that moment
(the ``Date`` header). "Yesterday" is SignalWire's yesterday, once an answer has told its clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.hooks._api import MAX_PAGE_SIZE
from airflow_provider_signalwire.hooks._conferences import (
    INDEX_SLICE,
    ListingIndex,
    ListingIndexer,
    in_slices,
    newest_conference,
    parse_date_created,
)
from airflow_provider_signalwire.hooks.async_signalwire import HookKey, shared_hook

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

#: Conferences not in a poll's listing that are looked up one by one, at most, per poll.
FIRST_LOOKS_PER_POLL = 25
#: Of those, how many requests at the same time.
FIRST_LOOKS_AT_ONCE = 5
#: Waiters matched against a listing before the poller yields to the event loop.
YIELD_EVERY = 100

Conference = dict[str, Any]
#: What a waiter has been told before its first look: differs from anything a look finds.
_NOT_REPORTED = object()


@dataclass(eq=False)
class _Waiter:
    conference_sid: str | None
    friendly_name: str | None
    targets: frozenset[str]
    interval: float
    on_seen: Callable[[Conference | None], None]
    future: asyncio.Future[Conference]
    looked: bool = False
    known: Conference | None = None
    reported: object = _NOT_REPORTED


@dataclass(frozen=True)
class Sweep:
    """
    One poll's listing, as event triggers receive it.

    :param error: why the poll failed, after the hook's retries (``None`` when it did not).
    :param index: every conference updated since the poll's floor date, parsed and indexed
        (``None`` when the poll failed).
    :param server_now: SignalWire's clock when the listing was read (from the ``Date``
        header; ``None`` if no answer had one).
    :param received: ``time.monotonic()`` when ``server_now`` was read.
    """

    error: Exception | None = None
    index: ListingIndex | None = None
    server_now: datetime | None = None
    received: float = 0.0


@dataclass(eq=False)
class _Subscriber:
    interval: float
    queue: asyncio.Queue[Sweep] = field(default_factory=asyncio.Queue)


def _yesterday() -> date:
    return datetime.now(timezone.utc).date() - timedelta(days=1)


def _server_yesterday(server_now: datetime | None) -> date:
    """SignalWire's yesterday: the local one, moved by the days SignalWire's date differs."""
    if server_now is None:
        return _yesterday()
    skew = server_now.astimezone(timezone.utc).date() - datetime.now(timezone.utc).date()
    return _yesterday() + skew


class ConferencePoller:
    """
    List an account's recently updated conferences once per interval for all of a loop's users.

    Get one with :func:`conference_poller`; it stops polling when nobody waits or listens.

    :param hook: the shared hook to list with.
    :param account_sid: the account (Project ID) whose conferences are listed.
    """

    def __init__(self, hook: SignalWireAsyncHook, account_sid: str) -> None:
        self.hook = hook
        self.account_sid = account_sid
        self.polls = 0
        self._waiters: dict[_Waiter, None] = {}  # insertion-ordered set: O(1) removal
        self._subscribers: list[_Subscriber] = []
        self._floor = _yesterday()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._index: ListingIndex | None = None

    # -- users -------------------------------------------------------------------------------

    async def wait_for(
        self,
        *,
        conference_sid: str | None,
        friendly_name: str | None,
        targets: frozenset[str],
        interval: float,
        on_seen: Callable[[Conference | None], None],
    ) -> Conference:
        """
        Return the conference once it is in one of ``targets``.

        :param conference_sid: the conference; exactly one of this and ``friendly_name``.
        :param friendly_name: the newest conference of this name.
        :param targets: statuses that end the wait.
        :param interval: seconds between two looks, at most.
        :param on_seen: called with what each look found (``None``: no conference of the name).
        :raises SignalWireError: the SID is unknown, or a poll failed after the retries.
        """
        future: asyncio.Future[Conference] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(conference_sid, friendly_name, targets, interval, on_seen, future)
        self._waiters[waiter] = None
        self._start(interval)
        try:
            return await future
        finally:
            self._drop(waiter)

    async def sweeps(self, interval: float) -> AsyncIterator[Sweep]:
        """
        Yield every poll's listing from now on, forever.

        :param interval: seconds between two polls, at most.
        """
        subscriber = _Subscriber(interval)
        self._subscribers.append(subscriber)
        self._start(interval)
        try:
            while True:
                yield await subscriber.queue.get()
        finally:
            self._drop(subscriber)

    def _start(self, interval: float) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"signalwire-conference-poller-{self.account_sid}"
            )
        else:
            self._wake.set()  # the interval may be shorter now

    def _drop(self, user: _Waiter | _Subscriber) -> None:
        if isinstance(user, _Waiter):
            self._waiters.pop(user, None)
        elif user in self._subscribers:
            self._subscribers.remove(user)
        if not self._busy():
            self._wake.set()

    async def aclose(self) -> None:
        """Stop polling now (its users are gone); a poll in flight is cancelled."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _busy(self) -> bool:
        return bool(self._waiters or self._subscribers)

    def _interval(self) -> float:
        users: list[_Waiter | _Subscriber] = [*self._waiters, *self._subscribers]
        return min(user.interval for user in users)

    # -- polling -----------------------------------------------------------------------------

    async def _run(self) -> None:
        while self._busy():
            # The event loop's clock schedules the polls, as it does every wait here.
            loop = asyncio.get_running_loop()
            started = loop.time()
            await self._poll()
            # A poll that never waited (a listing refused at once, then an interval already
            # spent) must still let the loop run its users, and every other trigger, in between.
            await asyncio.sleep(0)
            while self._busy():
                remaining = started + self._interval() - loop.time()
                if remaining <= 0:
                    break
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)

    async def _poll(self) -> None:
        floor = self._floor
        filters: dict[str, Any] = {"date_updated_after": floor, "page_size": MAX_PAGE_SIZE}
        status = self._status_filter()
        if status is not None:
            filters["status"] = status
        self.polls += 1
        # Waiters that register while the listing is fetched are matched now and looked up,
        # if still needed, after the next listing: that one may well show them.
        before = list(self._waiters)
        indexer = ListingIndexer(self._index, self.polls)
        try:
            # Each page is read as it arrives and then freed: the listing is never held whole.
            read = 0
            async for conference in self.hook.list_conferences(
                account_sid=self.account_sid, **filters
            ):
                indexer.add(conference)
                read += 1
                if read % INDEX_SLICE == 0:
                    await asyncio.sleep(0)  # let the loop breathe within a page
        except Exception as err:  # every user hears about it; the poller keeps going
            for waiter in before:
                self._fail(waiter, err)
            self._publish(Sweep(err, server_now=self.hook.server_now()))
            return
        server_now, received = self.hook.server_now(), time.monotonic()
        self._floor = _server_yesterday(server_now)
        self._index = index = await in_slices(indexer.finish())
        await self._match(index, floor)
        await self._first_looks(before)
        self._publish(Sweep(index=index, server_now=server_now, received=received))

    def _status_filter(self) -> str | None:
        if self._subscribers or not self._waiters:
            return None
        targets = {waiter.targets for waiter in self._waiters}
        if len(targets) != 1 or len(next(iter(targets))) != 1:
            return None
        if any(not w.looked or w.conference_sid is None for w in self._waiters):
            return None
        return next(iter(next(iter(targets))))

    async def _match(self, index: ListingIndex, floor: date) -> None:
        for n, waiter in enumerate(list(self._waiters), 1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the loop breathe between slices of waiters
            if waiter.conference_sid is not None:
                found = index.by_sid.get(waiter.conference_sid)
                if found is not None:
                    waiter.known, waiter.looked = found.conference, True
            else:
                name = str(waiter.friendly_name)
                known = [waiter.known] if waiter.known is not None else []
                named = [index.by_sid[sid].conference for sid in index.by_name.get(name, [])]
                newest = newest_conference([*named, *known], name)
                # A conference created since the floor is newer than any the listing misses.
                if newest is not None and (waiter.looked or _created_since(newest, floor)):
                    waiter.known, waiter.looked = newest, True
            if waiter.looked:
                self._settle(waiter)

    async def _first_looks(self, candidates: list[_Waiter]) -> None:
        waiting = [w for w in candidates if not w.looked and not w.future.done()]
        pending = waiting[:FIRST_LOOKS_PER_POLL]
        at_once = asyncio.Semaphore(FIRST_LOOKS_AT_ONCE)

        async def look(waiter: _Waiter) -> None:
            async with at_once:
                try:
                    found = await self.hook.find_conference(
                        conference_sid=waiter.conference_sid,
                        friendly_name=waiter.friendly_name,
                        account_sid=self.account_sid,
                    )
                except Exception as err:
                    self._fail(waiter, err)
                    return
            waiter.known, waiter.looked = found, True
            self._settle(waiter)

        await asyncio.gather(*(look(waiter) for waiter in pending))

    def _settle(self, waiter: _Waiter) -> None:
        if waiter.future.done():
            return
        seen = (waiter.known.get("sid"), waiter.known.get("status")) if waiter.known else None
        if seen != waiter.reported:  # tell the trigger only what changed
            waiter.on_seen(waiter.known)
            waiter.reported = seen
        if waiter.known is not None and waiter.known.get("status") in waiter.targets:
            waiter.future.set_result(waiter.known)
            self._drop(waiter)

    def _fail(self, waiter: _Waiter, err: Exception) -> None:
        if not waiter.future.done():
            waiter.future.set_exception(err)
        self._drop(waiter)

    def _publish(self, sweep: Sweep) -> None:
        for subscriber in self._subscribers:
            subscriber.queue.put_nowait(sweep)


def _created_since(conference: Conference, floor: date) -> bool:
    created = parse_date_created(conference.get("date_created"))
    return created is not None and created.date() >= floor


@dataclass(eq=False)
class _Entry:
    poller: ConferencePoller
    users: int = 0


_POLLERS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[HookKey, str], _Entry]
] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def conference_poller(
    key: HookKey, account_sid: str | None = None
) -> AsyncIterator[ConferencePoller]:
    """
    Lend the loop's poller of ``key``'s connection and ``account_sid``; return it afterwards.

    :param key: the connection and retry knobs (see :class:`HookKey`).
    :param account_sid: the account to watch; defaults to the connection's Project ID.
    :raises SignalWireError: the connection is missing or invalid.
    """
    async with shared_hook(key) as hook:
        account = account_sid or (await hook.get_settings()).project_id
        pollers = _POLLERS.setdefault(asyncio.get_running_loop(), {})
        entry = pollers.get((key, account))
        if entry is None:
            entry = pollers[(key, account)] = _Entry(ConferencePoller(hook, account))
        entry.users += 1
        try:
            yield entry.poller
        finally:
            entry.users -= 1
            if entry.users == 0:
                if pollers.get((key, account)) is entry:
                    del pollers[(key, account)]
                await entry.poller.aclose()


def running_pollers() -> int:
    """How many pollers the running event loop holds (for tests and benchmarks)."""
    return len(_POLLERS.get(asyncio.get_running_loop(), {}))
