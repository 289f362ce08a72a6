"""
Wait for a SignalWire conference to reach a status: in a worker slot, rescheduled, or deferred.

Poke and reschedule modes ask :class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`;
deferrable mode hands the wait to
:class:`~airflow_provider_signalwire.triggers.conference.ConferenceStatusTrigger`. This module
imports neither ``requests``, ``tenacity`` nor ``httpx``, so DAG files that use it parse fast.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_signalwire._compat import conf
from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._api import (
    MAX_INTERVAL_SECONDS,
    MAX_WAIT_SECONDS,
    check_seconds,
    set_retry_knobs,
    validate_sid,
)
from airflow_provider_signalwire.hooks._conferences import (
    NOT_LOOKED_YET,
    Seen,
    describe_target,
    exactly_one_target,
    log_change,
    validate_friendly_name,
    validate_target_status,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook


class SignalWireConferenceSensor(BaseSensorOperator):
    """
    Wait until a SignalWire conference reaches ``target_status``; return the conference object.

    Name the conference by ``conference_sid`` or by ``friendly_name`` (exactly one). A name means
    the most recently created conference of that name, and one that does not exist yet is waited
    for; a SID that SignalWire does not know fails the task. The conference object is the XCom
    ``return_value``. ``poke_interval`` is the time between two looks in every mode, and
    ``timeout`` ends the wait with ``AirflowSensorTimeout`` in every mode. Each look is retried
    on transient failures (``max_attempts``), separately from Airflow's task ``retries``.

    :param conference_sid: the conference's SID (templated).
    :param friendly_name: the conference's name; the newest conference of that name is watched
        (templated).
    :param target_status: ``init``, ``in-progress`` or ``completed`` (the default), or a list of
        them: the wait ends at any of them.
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    :param account_sid: account (Project ID) that owns the conference; defaults to the
        connection's Project ID (templated).
    :param deferrable: wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``.
    :param max_attempts: requests per look, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait in seconds (a server-asked wait is not capped).
    :param kwargs: arguments of ``BaseSensorOperator``: ``poke_interval``, ``timeout``, ``mode``
        (``poke`` or ``reschedule``), ``soft_fail`` and the rest. ``poke_interval`` must be
        0 < s <= 86400 (a deferred sensor's triggers share one poller per connection, so an
        interval of 0 would make every wait on that connection a busy loop); ``timeout`` and
        ``max_wait``, when given, 0 < s <= 366 days. Seconds or a ``timedelta``; NaN, infinities
        and other nonsense raise ``SignalWireValidationError`` when the DAG file is parsed.
    """

    template_fields: Sequence[str] = (
        "conference_sid",
        "friendly_name",
        "signalwire_conn_id",
        "account_sid",
    )
    ui_color = "#f72a72"
    #: The retry knobs, checked and set by ``set_retry_knobs``; ``for_owner`` reads them.
    max_attempts: int
    initial_backoff: float
    max_backoff: float

    def __init__(
        self,
        *,
        conference_sid: str | None = None,
        friendly_name: str | None = None,
        target_status: str | Sequence[str] = "completed",
        signalwire_conn_id: str = "signalwire_default",
        account_sid: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        **kwargs: Any,
    ) -> None:
        _check_sensor_knobs(kwargs)
        super().__init__(**kwargs)
        exactly_one_target(type(self).__name__, conference_sid, friendly_name)
        self.target_statuses = validate_target_status(target_status)
        set_retry_knobs(self, max_attempts, initial_backoff, max_backoff)
        self.conference_sid = conference_sid
        self.friendly_name = friendly_name
        self.target_status = target_status
        self.signalwire_conn_id = signalwire_conn_id
        self.account_sid = account_sid
        self.deferrable = deferrable
        self._last_seen: Seen = NOT_LOOKED_YET

    @cached_property
    def hook(self) -> SignalWireHook:
        """The hook, built on first use (never while the DAG file is parsed)."""
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        return SignalWireHook.for_owner(self, pool_size=1)

    def _target(self) -> tuple[str | None, str | None]:
        """Return the rendered ``(conference_sid, friendly_name)``, checked."""
        if self.conference_sid is not None:
            return validate_sid("conference_sid", self.conference_sid), None
        return None, validate_friendly_name(self.friendly_name)

    def _account(self) -> str | None:
        if self.account_sid:
            return validate_sid("account_sid", self.account_sid)
        return None

    def _what(self) -> str:
        return describe_target(*self._target())

    def execute(self, context: Context) -> Any:
        """Log what is awaited, then wait here (poke/reschedule) or in the triggerer."""
        conference_sid, friendly_name = self._target()
        account_sid = self._account()
        self.log.info(
            "Waiting for SignalWire %s to reach %s (every %gs, timeout %gs, %s)",
            describe_target(conference_sid, friendly_name),
            " or ".join(self.target_statuses),
            self.poke_interval,
            self.timeout,
            "deferred" if self.deferrable else f"{self.mode} mode",
        )
        if self.deferrable:
            from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

            self.defer(
                trigger=ConferenceStatusTrigger(
                    conference_sid=conference_sid,
                    friendly_name=friendly_name,
                    target_statuses=list(self.target_statuses),
                    signalwire_conn_id=self.signalwire_conn_id,
                    account_sid=account_sid,
                    poll_interval=self.poke_interval,
                    max_attempts=self.max_attempts,
                    initial_backoff=self.initial_backoff,
                    max_backoff=self.max_backoff,
                ),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout),
            )
        try:
            return super().execute(context)
        finally:
            if "hook" in self.__dict__:
                self.hook.close()

    def on_kill(self) -> None:
        """End the wait now: the look in flight is cut off and no new one starts."""
        if "hook" in self.__dict__:
            self.hook.abort()

    def poke(self, context: Context) -> PokeReturnValue:
        """Look at the conference once; done when its status is one of the targets."""
        conference_sid, friendly_name = self._target()
        conference = self.hook.find_conference(
            conference_sid=conference_sid, friendly_name=friendly_name, account_sid=self._account()
        )
        self._last_seen = log_change(self.log, self._what(), self._last_seen, conference)
        is_done = conference is not None and conference.get("status") in self.target_statuses
        return PokeReturnValue(is_done=is_done, xcom_value=conference if is_done else None)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """
        Finish after the trigger fired: return the conference, or fail with the trigger's message.

        :param context: the task context.
        :param event: the trigger's event: ``{"status": "success", "conference": {...}}`` or
            ``{"status": "error", "message": "...", "error_type": "..."}``; the error is raised
            as the same :class:`SignalWireError` subclass, so e.g. refused credentials fail the
            task without Airflow retries in every mode alike.
        """
        if not event or event.get("status") != "success":
            message = (event or {}).get("message") or f"No usable event from the trigger: {event!r}"
            raise _error_class((event or {}).get("error_type"))(str(message))
        conference = event.get("conference")
        if not isinstance(conference, dict):
            raise SignalWireError(f"The trigger's success event has no conference: {event!r}")
        self.log.info(
            "SignalWire conference %s reached %s", conference.get("sid"), conference.get("status")
        )
        return conference


def _check_sensor_knobs(kwargs: dict[str, Any]) -> None:
    """Refuse ``BaseSensorOperator`` durations that make no sense, before Airflow coerces them."""
    if "poke_interval" in kwargs:
        check_seconds("poke_interval", kwargs["poke_interval"], high=MAX_INTERVAL_SECONDS)
    for name in ("timeout", "max_wait"):
        if kwargs.get(name) is not None:
            check_seconds(name, kwargs[name], high=MAX_WAIT_SECONDS)


def _error_class(name: object) -> type[SignalWireError]:
    """Return the provider's error class called ``name``; :class:`SignalWireError` otherwise."""
    from airflow_provider_signalwire import exceptions

    found = getattr(exceptions, name, None) if isinstance(name, str) else None
    if isinstance(found, type) and issubclass(found, SignalWireError):
        return found
    return SignalWireError
