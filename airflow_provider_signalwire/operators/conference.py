"""
Operators for SignalWire conferences: start and stop media streams, end conferences, manage callers.

Operators only validate, template and publish XCom; :class:`SignalWireHook` does the HTTP. This
module imports neither ``requests`` nor ``tenacity``, so DAG files that use it parse fast.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import (
    check_max_concurrency,
    json_argument,
    set_retry_knobs,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from airflow.sdk import Context

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook


#: Templated fields every SignalWire operator has.
CONNECTION_FIELDS = ("signalwire_conn_id", "account_sid")


class SignalWireBaseOperator(BaseOperator):
    """
    Shared arguments of the SignalWire operators.

    :param signalwire_conn_id: the ``signalwire`` connection to use.
    :param account_sid: account (Project ID) that owns the conference; defaults to the
        connection's Project ID.
    :param max_attempts: requests per API call, the first one included (retries of transient
        failures; separate from Airflow's task ``retries``): 1 to 100.
    :param initial_backoff: seconds before the second attempt (0 to 3600); doubles with every
        attempt.
    :param max_backoff: cap of the exponential wait in seconds, 0 to 3600 (a server-asked wait is
        not capped).

    Every numeric argument is checked when the DAG file is parsed: NaN, infinities, values out of
    range and wrong types raise
    :class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError` naming it.
    """

    ui_color = "#f72a72"

    def __init__(
        self,
        *,
        signalwire_conn_id: str = "signalwire_default",
        account_sid: str | None = None,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        set_retry_knobs(self, max_attempts, initial_backoff, max_backoff)
        self.signalwire_conn_id = signalwire_conn_id
        self.account_sid = account_sid

    def _hook_kwargs(self) -> dict[str, Any]:
        return {}

    @cached_property
    def hook(self) -> SignalWireHook:
        """The hook, built on first use (never while the DAG file is parsed)."""
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        return SignalWireHook.for_owner(self, **self._hook_kwargs())

    def execute(self, context: Context) -> Any:
        """Make the operator's SignalWire call, then close the hook's connections."""
        try:
            return self.call_signalwire(context)
        finally:
            if "hook" in self.__dict__:
                self.hook.close()

    def on_kill(self) -> None:
        """
        End the task now (Airflow calls this on SIGTERM and after ``execution_timeout``).

        Requests in flight are cut off, so ``execute`` ends at once with
        :class:`~airflow_provider_signalwire.exceptions.SignalWireCancelledError`, and no new
        request starts; a bulk stop still pushes the outcomes it has.
        """
        if "hook" in self.__dict__:
            self.hook.abort()

    def call_signalwire(self, context: Context) -> Any:
        """Make the operator's SignalWire call and return its XCom value."""
        raise NotImplementedError


class StopConferenceStreamOperator(SignalWireBaseOperator):
    """
    Stop a media stream on a SignalWire conference.

    Returns the stream object (XCom ``return_value``: ``sid``, ``conference_sid``, ``account_sid``,
    ``name``, ``status``, ``date_updated``, ``uri``) and pushes its status string under the XCom
    key ``stream_status`` (``stopped`` once SignalWire has stopped it). Works with dynamic task
    mapping: ``StopConferenceStreamOperator.partial(...).expand(stream_sid=[...])``.

    :param conference_sid: the conference (templated).
    :param stream_sid: the stream's SID, or the ``Name`` it was started with (templated).
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    :param max_attempts: requests per API call, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait, in seconds.
    """

    template_fields: Sequence[str] = ("conference_sid", "stream_sid", *CONNECTION_FIELDS)

    def __init__(self, *, conference_sid: str, stream_sid: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid
        self.stream_sid = stream_sid

    def call_signalwire(self, context: Context) -> dict[str, Any]:
        """Stop the stream; return the stream object and push ``stream_status``."""
        conference_sid, stream_sid = self.conference_sid, self.stream_sid
        stream = self.hook.stop_conference_stream(
            conference_sid, stream_sid, account_sid=self.account_sid
        )
        status = stream.get("status")
        context["ti"].xcom_push(key="stream_status", value=status)
        self.log.info(
            "SignalWire stream %s of conference %s is now %s", stream_sid, conference_sid, status
        )
        return stream


class StartConferenceStreamOperator(SignalWireBaseOperator):
    """
    Start streaming a SignalWire conference's audio to a WebSocket (``wss://``) server.

    Returns the stream object and pushes ``stream_sid`` and ``stream_status`` to XCom, so a later
    ``StopConferenceStreamOperator(stream_sid="{{ ti.xcom_pull('start', key='stream_sid') }}")``
    can stop it. The start is retried only where the request never reached SignalWire.

    **One stream per task instance, whatever the retries.** A start whose answer is lost (a
    connection reset after SignalWire acted, a worker killed right after the request) fails the
    try, and Airflow's retry would otherwise start a second live stream. So every stream gets a
    ``Name``: ``name`` if given, else one derived from the task instance (``airflow-{dag}.{task}-``
    and a hash of dag_id, task_id, run_id and map_index), the same in every try. Before starting,
    a retry stops the stream an earlier try may have started, by SID if it is known, else by that
    name; a 404 there means there was none. Then it starts anew, so exactly one stream of the task
    instance is live.

    * On Airflow 3.3 and later the task's ``task_state_store`` remembers the conference, the name
      (written before the request goes out) and the SID (once SignalWire answered) across tries,
      so a retry also finds a stream whose name was rendered differently.
    * Without it (Airflow 3.1 and 3.2), a try after the first (``try_number`` > 1) stops the
      stream of the derived or given name.

    A ``name`` that you give must therefore be yours alone within the conference: a retry stops a
    live stream of that name. If the task is not retried, a stream from a lost answer stays live;
    stop it by its name with :class:`StopConferenceStreamOperator`.

    :param conference_sid: the conference (templated).
    :param url: ``wss://`` URL of the WebSocket server (templated).
    :param name: name unique within the conference; the stream can be stopped by it (templated).
    :param track: ``inbound_track``, ``outbound_track`` or ``both_tracks``.
    :param status_callback: URL SignalWire calls on status changes (templated).
    :param status_callback_method: ``GET`` or ``POST``.
    :param stream_codec: ``PCMU``, ``PCMA``, ``L16``, ``L16@16000h`` or ``L16@24000h``.
    :param stream_real_time: stream in real time.
    :param authorization_bearer_token: token SignalWire presents to the WebSocket server. A
        secret: take it from a connection or Variable by template (``{{ conn.ws.password }}``),
        never as a literal in the DAG file; it is masked in logs and rendered fields.
    :param parameters: up to 99 custom parameters for the WebSocket server (templated).
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    """

    template_fields: Sequence[str] = (
        "conference_sid",
        "url",
        "name",
        "status_callback",
        "authorization_bearer_token",
        "parameters",
        *CONNECTION_FIELDS,
    )
    template_fields_renderers = {"parameters": "json"}

    def __init__(
        self,
        *,
        conference_sid: str,
        url: str,
        name: str | None = None,
        track: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        stream_codec: str | None = None,
        stream_real_time: bool | None = None,
        authorization_bearer_token: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid
        self.url = url
        self.name = name
        self.track = track
        self.status_callback = status_callback
        self.status_callback_method = status_callback_method
        self.stream_codec = stream_codec
        self.stream_real_time = stream_real_time
        self.authorization_bearer_token = authorization_bearer_token
        self.parameters = parameters

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render, then mask the bearer token before anything can log or store it."""
        super().render_template_fields(context, jinja_env)
        if self.authorization_bearer_token:
            from airflow_provider_signalwire.hooks._errors import mask_secrets

            mask_secrets(self.authorization_bearer_token)

    def call_signalwire(self, context: Context) -> dict[str, Any]:
        """Start the stream; return the stream object and push ``stream_sid``/``stream_status``."""
        conference_sid = self.conference_sid
        parameters: Any = self.parameters or None
        if parameters is not None:
            parameters = json_argument("parameters", parameters, dict)
        name = self.name or default_stream_name(context)
        store = context.get("task_state_store")
        self._stop_earlier_stream(context, store, conference_sid, name)
        self.log.info("Starting stream %s on conference %s", name, conference_sid)
        if store is not None and name is not None:
            # Before the request: if its answer is lost, the next try still knows what to stop.
            store.set(STREAM_STATE_KEY, {"conference_sid": conference_sid, "name": name})
        stream = self.hook.start_conference_stream(
            conference_sid,
            url=self.url,
            name=name,
            track=self.track,
            status_callback=self.status_callback or None,
            status_callback_method=self.status_callback_method,
            stream_codec=self.stream_codec,
            stream_real_time=self.stream_real_time,
            authorization_bearer_token=self.authorization_bearer_token or None,
            parameters=parameters,
            account_sid=self.account_sid,
        )
        if store is not None and name is not None and isinstance(stream.get("sid"), str):
            store.set(
                STREAM_STATE_KEY,
                {"conference_sid": conference_sid, "name": name, "sid": stream["sid"]},
            )
        context["ti"].xcom_push(key="stream_sid", value=stream.get("sid"))
        context["ti"].xcom_push(key="stream_status", value=stream.get("status"))
        self.log.info(
            "SignalWire stream %s started on conference %s: %s",
            stream.get("sid"),
            conference_sid,
            stream.get("status"),
        )
        return stream

    def _stop_earlier_stream(
        self, context: Context, store: Any, conference_sid: str, name: str | None
    ) -> None:
        """Stop the stream an earlier try of this task instance may have left live."""
        earlier: tuple[str, str] | None = None
        remembered = store.get(STREAM_STATE_KEY) if store is not None else None
        if isinstance(remembered, dict) and isinstance(remembered.get("conference_sid"), str):
            ident = remembered.get("sid") or remembered.get("name")
            if isinstance(ident, str) and ident:
                earlier = (remembered["conference_sid"], ident)
        if earlier is None and name is not None and _try_number(context) > 1:
            earlier = (conference_sid, name)
        if earlier is None:
            return
        earlier_conference, ident = earlier
        try:
            stopped = self.hook.stop_conference_stream(
                earlier_conference, ident, account_sid=self.account_sid
            )
        except SignalWireNotFoundError:
            self.log.info(
                "No stream %s from an earlier try on conference %s: starting one",
                ident,
                earlier_conference,
            )
            return
        self.log.warning(
            "Stopped stream %s (%s) that an earlier try started on conference %s, so this try's "
            "stream is the only one",
            stopped.get("sid"),
            ident,
            earlier_conference,
        )


#: The task state store key (Airflow 3.3+) of the stream a StartConferenceStreamOperator started.
STREAM_STATE_KEY = "signalwire_stream"
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")


def default_stream_name(context: Context) -> str | None:
    """
    Return the stream ``Name`` of the task instance in ``context``; ``None`` without one.

    The name is the same in every try of the task instance and differs between task instances:
    ``airflow-{dag_id}.{task_id}-{hash}``, with a SHA-256 of dag_id, task_id, run_id and
    map_index (the readable part is cut to 80 characters of ``A-Z a-z 0-9 _ . -``).

    :param context: the task's context.
    """
    ti = context.get("ti")
    identity = [getattr(ti, field, None) for field in ("dag_id", "task_id", "run_id")]
    if not all(isinstance(part, str) and part for part in identity):
        return None  # not a real task instance (a bare unit-test context): no name to derive
    map_index = getattr(ti, "map_index", None)
    key = json.dumps([*identity, map_index if isinstance(map_index, int) else -1])
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    readable = _UNSAFE_NAME_CHARACTERS.sub("-", f"{identity[0]}.{identity[1]}")[:80]
    return f"airflow-{readable}-{digest}"


def _try_number(context: Context) -> int:
    number = getattr(context.get("ti"), "try_number", None)
    return number if isinstance(number, int) else 1


class StopConferenceStreamsOperator(SignalWireBaseOperator):
    """
    Stop many streams in one task, with at most ``max_concurrency`` requests in flight.

    Every stream is attempted; the task fails after the whole batch if any could not be stopped.
    The outcomes (one dict per entry, in order: ``conference_sid``, ``stream_sid`` and ``status``
    or ``error``/``error_type``) are the XCom ``return_value`` on success and are pushed under the
    key ``stream_outcomes`` either way. Pick this for hundreds of streams (one task, one
    connection pool); pick ``StopConferenceStreamOperator.partial().expand()`` for a few streams
    that should retry and show up in the UI one by one.

    :param streams: dicts with ``conference_sid`` and ``stream_sid`` (templated; a JSON string
        from a template is accepted).
    :param max_concurrency: most requests in flight at once (1-64); keep it modest to stay
        under SignalWire's rate limits.
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    """

    template_fields: Sequence[str] = ("streams", *CONNECTION_FIELDS)
    template_fields_renderers = {"streams": "json"}

    def __init__(
        self, *, streams: list[Mapping[str, str]] | str, max_concurrency: int = 4, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.streams = streams
        self.max_concurrency = check_max_concurrency(max_concurrency)

    def _hook_kwargs(self) -> dict[str, Any]:
        return {"pool_size": self.max_concurrency}

    def call_signalwire(self, context: Context) -> list[dict[str, Any]]:
        """Stop every stream; fail after the batch if any could not be stopped."""
        outcomes = self.hook.stop_conference_streams(
            self.streams, max_concurrency=self.max_concurrency, account_sid=self.account_sid
        )
        context["ti"].xcom_push(key="stream_outcomes", value=outcomes)
        failed = [outcome for outcome in outcomes if "error" in outcome]
        self.log.info(
            "Stopped %d of %d SignalWire streams (%d failed)",
            len(outcomes) - len(failed),
            len(outcomes),
            len(failed),
        )
        for outcome in failed:
            self.log.error(
                "Stream %s of conference %s: %s",
                outcome["stream_sid"],
                outcome["conference_sid"],
                outcome["error"],
            )
        if failed:
            raise SignalWireError(f"{len(failed)} of {len(outcomes)} streams could not be stopped.")
        return outcomes


class EndConferenceOperator(SignalWireBaseOperator):
    """
    End a SignalWire conference (``Status=completed``): every participant leaves.

    Returns the conference object and pushes its status under the XCom key ``conference_status``.

    :param conference_sid: the conference (templated).
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    """

    template_fields: Sequence[str] = ("conference_sid", *CONNECTION_FIELDS)

    def __init__(self, *, conference_sid: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid

    def call_signalwire(self, context: Context) -> dict[str, Any]:
        """End the conference; return the conference object."""
        conference_sid = self.conference_sid
        conference = self.hook.end_conference(conference_sid, account_sid=self.account_sid)
        context["ti"].xcom_push(key="conference_status", value=conference.get("status"))
        self.log.info(
            "SignalWire conference %s is now %s", conference_sid, conference.get("status")
        )
        return conference


class UpdateConferenceParticipantOperator(SignalWireBaseOperator):
    """
    Mute, unmute, hold or resume a participant of a SignalWire conference.

    Returns the participant object. Arguments left at ``None`` are not changed.

    :param conference_sid: the conference (templated).
    :param call_sid: the participant's call SID (templated).
    :param muted: mute (``True``) or unmute (``False``).
    :param hold: hold (``True``) or resume (``False``).
    :param hold_url: music or cXML played while held (templated).
    :param announce_url: announcement played to the participant (templated).
    :param beep_on_exit: not defined by SignalWire's Update Participant: setting it fails with
        ``SignalWireValidationError`` (kept so existing DAGs fail clearly, not silently).
    :param end_conference_on_exit: not defined by SignalWire's Update Participant either: setting
        it fails the same way.
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    """

    template_fields: Sequence[str] = (
        "conference_sid",
        "call_sid",
        "hold_url",
        "announce_url",
        *CONNECTION_FIELDS,
    )

    def __init__(
        self,
        *,
        conference_sid: str,
        call_sid: str,
        muted: bool | None = None,
        hold: bool | None = None,
        hold_url: str | None = None,
        announce_url: str | None = None,
        beep_on_exit: bool | None = None,
        end_conference_on_exit: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid
        self.call_sid = call_sid
        self.muted = muted
        self.hold = hold
        self.hold_url = hold_url
        self.announce_url = announce_url
        self.beep_on_exit = beep_on_exit
        self.end_conference_on_exit = end_conference_on_exit

    def call_signalwire(self, context: Context) -> dict[str, Any]:
        """Update the participant; return the participant object."""
        conference_sid, call_sid = self.conference_sid, self.call_sid
        changes = {
            "muted": self.muted,
            "hold": self.hold,
            "hold_url": self.hold_url or None,
            "announce_url": self.announce_url or None,
            "beep_on_exit": self.beep_on_exit,
            "end_conference_on_exit": self.end_conference_on_exit,
        }
        changes = {name: value for name, value in changes.items() if value is not None}
        if not changes:
            raise SignalWireValidationError(
                "UpdateConferenceParticipantOperator needs at least one change, e.g. muted=True."
            )
        participant = self.hook.update_participant(
            conference_sid, call_sid, account_sid=self.account_sid, **changes
        )
        self.log.info(
            "SignalWire participant %s of conference %s updated: %s",
            call_sid,
            conference_sid,
            ", ".join(f"{name}={value}" for name, value in changes.items()),
        )
        return participant


class RemoveConferenceParticipantOperator(SignalWireBaseOperator):
    """
    Remove a participant from a SignalWire conference.

    Returns ``{"conference_sid", "call_sid", "status": "removed"}``.

    :param conference_sid: the conference (templated).
    :param call_sid: the participant's call SID (templated).
    :param account_sid: defaults to the connection's Project ID (templated).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    """

    template_fields: Sequence[str] = ("conference_sid", "call_sid", *CONNECTION_FIELDS)

    def __init__(self, *, conference_sid: str, call_sid: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid
        self.call_sid = call_sid

    def call_signalwire(self, context: Context) -> dict[str, Any]:
        """Remove the participant."""
        conference_sid, call_sid = self.conference_sid, self.call_sid
        self.hook.remove_participant(conference_sid, call_sid, account_sid=self.account_sid)
        self.log.info("SignalWire participant %s left conference %s", call_sid, conference_sid)
        return {"conference_sid": conference_sid, "call_sid": call_sid, "status": "removed"}
