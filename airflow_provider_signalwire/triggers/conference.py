"""
Triggers on SignalWire conferences: wait for a status, or turn starts and ends into events.

:class:`ConferenceStatusTrigger` is what ``SignalWireConferenceSensor(deferrable=True)`` hands its
wait to. :class:`ConferenceEventTrigger` runs in an ``AssetWatcher``: each conference that starts
or ends becomes an asset event. Both share one poller per connection and account in the
triggerer's event loop (:mod:`~airflow_provider_signalwire.hooks._conference_poller`), imported
only when a trigger runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, BaseTrigger, TriggerEvent

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._api import (
    MAX_INTERVAL_SECONDS,
    MAX_TIMEOUT_SECONDS,
    check_retry_knobs,
    check_seconds,
)
from airflow_provider_signalwire.hooks._conferences import (
    NOT_LOOKED_YET,
    describe_target,
    exactly_one_target,
    in_slices,
    log_change,
    validate_friendly_name,
    validate_target_status,
)
from airflow_provider_signalwire.hooks._errors import scrub
from airflow_provider_signalwire.triggers._conference_events import (
    ConferenceTransitions,
    validate_events,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Hashable, Sequence

    from airflow_provider_signalwire.hooks._conference_poller import ConferencePoller, Sweep

#: The prefix of :class:`ConferenceEventTrigger`'s asset state store keys (Airflow 3.3+). Each
#: trigger keeps its own key, this prefix and a digest of what it watches
#: (:meth:`ConferenceEventTrigger.watermark_key`); the bare prefix is the shared key of
#: releases before that, read once by a trigger whose own key is still empty.
WATERMARK_KEY = "signalwire_conference_events"


class ConferenceStatusTrigger(BaseTrigger):
    """
    Poll a SignalWire conference until its status is one of ``target_statuses``.

    Yields exactly one event: ``{"status": "success", "conference": {...}}`` with the conference
    object, or ``{"status": "error", "message": "..."}`` (never containing the token; with
    ``"error_type"``, the name of the :class:`SignalWireError` subclass, when there is one). A
    conference looked up by ``friendly_name`` that does not exist yet is waited for; a
    ``conference_sid`` that SignalWire does not know is an error. Each request is retried on
    transient failures as the synchronous hook does.

    :param conference_sid: the conference's SID; exactly one of this and ``friendly_name``.
    :param friendly_name: the conference's name; the most recently created match is watched.
    :param target_statuses: statuses that end the wait (``init``, ``in-progress``, ``completed``).
    :param signalwire_conn_id: the ``signalwire`` connection to use.
    :param account_sid: account (Project ID) that owns the conference; defaults to the
        connection's Project ID.
    :param poll_interval: seconds between two looks at the conference, 0 < s <= 86400.
    :param max_attempts: requests per look, the first one included (1 to 100).
    :param initial_backoff: seconds before the second attempt (0 to 3600); doubles with every
        attempt.
    :param max_backoff: cap of the exponential wait in seconds, 0 to 3600 (a server-asked wait is
        not capped).

    Numeric arguments that are NaN, infinite, out of range or of the wrong type raise
    :class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError` at construction.
    """

    def __init__(
        self,
        *,
        conference_sid: str | None = None,
        friendly_name: str | None = None,
        target_statuses: Sequence[str] = ("completed",),
        signalwire_conn_id: str = "signalwire_default",
        account_sid: str | None = None,
        poll_interval: float = 60.0,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        exactly_one_target(type(self).__name__, conference_sid, friendly_name)
        self.conference_sid = conference_sid
        self.friendly_name = friendly_name
        self.target_statuses = list(validate_target_status(target_statuses))
        self.signalwire_conn_id = signalwire_conn_id
        self.account_sid = account_sid
        self.poll_interval = check_seconds(
            "poll_interval", poll_interval, high=MAX_INTERVAL_SECONDS
        )
        check_retry_knobs(max_attempts, initial_backoff, max_backoff)
        self.max_attempts = max_attempts
        self.initial_backoff = float(initial_backoff)
        self.max_backoff = float(max_backoff)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and every constructor argument, JSON-safe."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conference_sid": self.conference_sid,
                "friendly_name": self.friendly_name,
                "target_statuses": list(self.target_statuses),
                "signalwire_conn_id": self.signalwire_conn_id,
                "account_sid": self.account_sid,
                "poll_interval": self.poll_interval,
                "max_attempts": self.max_attempts,
                "initial_backoff": self.initial_backoff,
                "max_backoff": self.max_backoff,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait (on the loop's shared poller) until the status is reached; yield one event."""
        from airflow_provider_signalwire.hooks._conference_poller import conference_poller
        from airflow_provider_signalwire.hooks.async_signalwire import HookKey

        what = describe_target(self.conference_sid, self.friendly_name)
        self.log.info(
            "Waiting for SignalWire %s to reach %s (polling every %gs)",
            what,
            " or ".join(self.target_statuses),
            self.poll_interval,
        )
        key = HookKey(
            self.signalwire_conn_id, self.max_attempts, self.initial_backoff, self.max_backoff
        )
        secrets: tuple[str, ...] = ()
        try:
            async with conference_poller(key, self.account_sid) as poller:
                secrets = poller.hook.secrets
                conference = await self._wait(poller, what)
            event: dict[str, Any] = {"status": "success", "conference": conference}
        except SignalWireError as err:
            event = _error_event(str(err), secrets, error_type=type(err).__name__)
        except Exception as err:  # any failure must still end in exactly one event
            message = f"Waiting for SignalWire failed: {type(err).__name__}: {err}"
            event = _error_event(message, secrets)
        yield TriggerEvent(event)  # type: ignore[no-untyped-call]

    async def _wait(self, poller: ConferencePoller, what: str) -> dict[str, Any]:
        seen = [NOT_LOOKED_YET]

        def on_seen(conference: dict[str, Any] | None) -> None:
            seen[0] = log_change(self.log, what, seen[0], conference)

        return await poller.wait_for(
            conference_sid=self.conference_sid,
            friendly_name=self.friendly_name,
            targets=frozenset(self.target_statuses),
            interval=self.poll_interval,
            on_seen=on_seen,
        )


class ConferenceEventTrigger(BaseEventTrigger):
    """
    Fire an event for every SignalWire conference that starts or ends, for ``AssetWatcher``.

    Each event's payload is ``{"event": "conference-end", "conference": {...}}`` (or
    ``conference-start``) with the conference object as SignalWire lists it. Each status a
    watched conference newly reaches after watching began fires its event exactly once, in
    order per conference; a status a conference already had when watching began fires nothing
    (a ``date_updated`` in the second watching began counts as before it). When watching began
    is read from SignalWire's clock, never the triggerer's. A conference that starts and ends
    between two polls is seen completed only: ``conference-end`` fires, no
    ``conference-start``. The rules, and their limits, are in
    :mod:`~airflow_provider_signalwire.triggers._conference_events` and ``docs/events.md``.

    On Airflow 3.3 and later the trigger's memory is kept in the asset state store under its
    own key (:meth:`watermark_key`, from the events, name and account it watches), so it
    survives triggerer restarts and never collides with another watcher of the asset; on 3.1
    and 3.2 a restarted trigger starts over from what exists then. Polls, and the parsing of
    each listing, are shared with every other conference trigger of the same connection and
    account in the triggerer; a failed poll is logged and the next one tried.

    :param events: ``conference-start``, ``conference-end``, or both.
    :param friendly_name: only conferences of this name; every conference of the account when
        ``None``.
    :param signalwire_conn_id: the ``signalwire`` connection to use.
    :param account_sid: account (Project ID) to watch; defaults to the connection's Project ID.
    :param poll_interval: seconds between two listings of the account's conferences
        (0 < s <= 3600).
    """

    def __init__(
        self,
        *,
        events: Sequence[str] = ("conference-end",),
        friendly_name: str | None = None,
        signalwire_conn_id: str = "signalwire_default",
        account_sid: str | None = None,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.events = list(validate_events(events))
        self.friendly_name = (
            None if friendly_name is None else validate_friendly_name(friendly_name)
        )
        self.signalwire_conn_id = signalwire_conn_id
        self.account_sid = account_sid
        self.poll_interval = check_seconds("poll_interval", poll_interval, high=MAX_TIMEOUT_SECONDS)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and every constructor argument, JSON-safe (no secret)."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "events": list(self.events),
                "friendly_name": self.friendly_name,
                "signalwire_conn_id": self.signalwire_conn_id,
                "account_sid": self.account_sid,
                "poll_interval": self.poll_interval,
            },
        )

    def shared_stream_key(self) -> Hashable | None:
        """Triggers of one connection, account and interval share one stream (Airflow 3.3+)."""
        return (
            "signalwire-conferences",
            self.signalwire_conn_id,
            self.account_sid,
            self.poll_interval,
        )

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Sweep]:
        """
        Yield every poll of the account's recently updated conferences, forever.

        :param kwargs: the ``serialize()`` arguments of one trigger of the group.
        """
        from airflow_provider_signalwire.hooks._conference_poller import conference_poller
        from airflow_provider_signalwire.hooks.async_signalwire import HookKey

        key = HookKey(str(kwargs["signalwire_conn_id"]))
        async with conference_poller(key, kwargs.get("account_sid")) as poller:
            async for sweep in poller.sweeps(float(kwargs["poll_interval"])):
                yield sweep

    async def filter_shared_stream(
        self, shared_stream: AsyncIterator[Any]
    ) -> AsyncIterator[TriggerEvent]:
        """
        Turn the polls into this trigger's events, keeping its memory when there is a store.

        :param shared_stream: the polls, as :meth:`open_shared_stream` yields them.
        """
        started = time.monotonic()
        reported: set[str] = set()
        transitions = ConferenceTransitions(self.events, self.friendly_name)
        store, saved = await self._load_watermark()
        resumed = transitions.restore(saved)
        if resumed:
            self.log.info("Resuming SignalWire conference events (%s)", self.watermark_key())
        self.log.info(
            "Watching SignalWire conferences%s for %s (polling every %gs)",
            f" named {self.friendly_name!r}" if self.friendly_name else "",
            " and ".join(self.events),
            self.poll_interval,
        )
        async for sweep in shared_stream:
            if sweep.index is None:
                self.log.warning("Listing SignalWire conferences failed: %s", sweep.error)
                continue
            if not resumed:
                resumed = True
                if sweep.server_now is not None:
                    # SignalWire's clock when this trigger started, at the latest: the Date
                    # header has whole seconds, so add one, less the time since (measured with
                    # the monotonic clock). Nothing that held then can be taken as new.
                    elapsed = sweep.received - started
                    transitions.begin(sweep.server_now + timedelta(seconds=1 - elapsed))
            events = await in_slices(transitions.judge(sweep.index, sweep.server_now))
            self._report_odd_dates(transitions, reported)
            for event in events:
                self.log.info("SignalWire conference %s: %s", event.conference["sid"], event.name)
                yield TriggerEvent(event.payload())  # type: ignore[no-untyped-call]
            if store is not None and transitions.needs_saving():
                mark = transitions.watermark()
                if mark is not None and await self._save_watermark(store, mark):
                    transitions.saved(mark)

    def _report_odd_dates(self, transitions: ConferenceTransitions, reported: set[str]) -> None:
        for sid, raw in transitions.odd_dates.items():
            if sid not in reported:
                reported.add(sid)
                self.log.warning(
                    "SignalWire conference %s has an unreadable or future date_updated %r: "
                    "it is judged by what was seen of it, never by that date",
                    sid,
                    raw,
                )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll on its own (Airflow before 3.3, or called directly) and yield the events."""
        stream = self.open_shared_stream(self.serialize()[1])
        async for event in self.filter_shared_stream(stream):
            yield event

    def watermark_key(self) -> str:
        """
        Name the trigger's key in the asset state store: the prefix and a digest of what it watches.

        The events (in any order), the friendly name and the account (or, without one, the
        connection) make the key; the poll interval does not. Changing any of the three starts
        a new memory, and so a new watch (nothing fires for what already held then).
        """
        watched = {
            "events": sorted(self.events),
            "friendly_name": self.friendly_name,
            "account": self.account_sid or f"connection:{self.signalwire_conn_id}",
        }
        text = json.dumps(watched, sort_keys=True, separators=(",", ":"))
        return f"{WATERMARK_KEY}:{hashlib.sha256(text.encode()).hexdigest()[:24]}"

    async def _save_watermark(self, store: Any, mark: dict[str, Any]) -> bool:
        """
        Keep ``mark``; tell whether it was kept.

        On failure log it and keep watching: the next poll tries again (a restart before then
        may repeat events).
        """
        try:
            await store.aset(self.watermark_key(), mark)
        except Exception as err:
            self.log.warning("Could not keep the watermark in the asset state store: %s", err)
            return False
        return True

    async def _load_watermark(self) -> tuple[Any, Any]:
        """Return the asset state store and the saved memory; ``(None, None)`` without one."""
        store = getattr(self, "asset_state_store", None)
        if store is None:
            return None, None
        try:
            saved = await store.aget(self.watermark_key())
            if saved is None:  # saved by a release that shared one key among watchers
                saved = await store.aget(WATERMARK_KEY)
        except ValueError as err:  # several watched assets: no single store to use
            self.log.warning("No watermark across restarts: %s", err)
            return None, None
        return store, saved


def _error_event(
    message: str, secrets: tuple[str, ...], *, error_type: str | None = None
) -> dict[str, Any]:
    event = {"status": "error", "message": scrub(message, secrets)}
    if error_type is not None:
        event["error_type"] = error_type
    return event
