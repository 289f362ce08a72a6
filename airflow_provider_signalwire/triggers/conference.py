"""
Wait in the triggerer for a SignalWire conference to reach a status.

:class:`ConferenceStatusTrigger` is what ``SignalWireConferenceSensor(deferrable=True)`` hands its
wait to. The HTTP client is imported only when the trigger runs, and the small helpers below
(which statuses exist, which conference a name means) are shared with the sensor's poke mode.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._conferences import (
    NOT_LOOKED_YET,
    describe_target,
    log_change,
)
from airflow_provider_signalwire.hooks._secrets import scrub
from airflow_provider_signalwire.hooks._validation import (
    exactly_one_target,
    validate_target_status,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook


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
    :param poll_interval: seconds between two looks at the conference.
    :param max_attempts: requests per look, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait in seconds (a server-asked wait is not capped).
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
        self.poll_interval = float(poll_interval)
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
        """Poll until the status is reached or an error ends the wait; yield one event."""
        from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

        hook = SignalWireAsyncHook.for_owner(self)
        try:
            conference = await self._wait(hook)
            event: dict[str, Any] = {"status": "success", "conference": conference}
        except SignalWireError as err:
            event = _error_event(str(err), hook.secrets, error_type=type(err).__name__)
        except Exception as err:  # any failure must still end in exactly one event
            message = f"Waiting for SignalWire failed: {type(err).__name__}: {err}"
            event = _error_event(message, hook.secrets)
        finally:
            await hook.aclose()
        yield TriggerEvent(event)  # type: ignore[no-untyped-call]

    async def _wait(self, hook: SignalWireAsyncHook) -> dict[str, Any]:
        what = describe_target(self.conference_sid, self.friendly_name)
        self.log.info(
            "Waiting for SignalWire %s to reach %s (polling every %gs)",
            what,
            " or ".join(self.target_statuses),
            self.poll_interval,
        )
        seen = NOT_LOOKED_YET
        while True:
            conference = await hook.find_conference(
                conference_sid=self.conference_sid,
                friendly_name=self.friendly_name,
                account_sid=self.account_sid,
            )
            seen = log_change(self.log, what, seen, conference)
            if conference is not None and conference.get("status") in self.target_statuses:
                return conference
            await asyncio.sleep(self.poll_interval)


def _error_event(
    message: str, secrets: tuple[str, ...], *, error_type: str | None = None
) -> dict[str, Any]:
    event = {"status": "error", "message": scrub(message, secrets)}
    if error_type is not None:
        event["error_type"] = error_type
    return event
