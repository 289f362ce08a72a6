"""The SignalWire hook: one connection, one keep-alive session, one method per API action."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from airflow_provider_signalwire.connection import (
    SignalWireSettings,
    mask_secrets,
    settings_from_airflow_connection,
)
from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireResponseError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.forms import api_fields
from airflow_provider_signalwire.retry import CREATE, IDEMPOTENT
from airflow_provider_signalwire.routes import (
    conference_child_path,
    conference_path,
    conferences_path,
    next_page,
)
from airflow_provider_signalwire.validation import (
    check_retry_knobs,
    choice,
    stream_parameters_form,
    validate_sid,
    validate_stream_identifier,
    validate_wss_url,
)

if TYPE_CHECKING:
    import requests

    from airflow_provider_signalwire.hooks._transport import SignalWireTransport

STREAM_TRACKS = ("inbound_track", "outbound_track", "both_tracks")
STREAM_CODECS = ("PCMU", "PCMA", "L16", "L16@16000h", "L16@24000h")
CALLBACK_METHODS = ("GET", "POST")
RECORDING_STATUSES = ("paused", "in-progress", "stopped")


class SignalWireHook(BaseHook):
    """
    Talk to SignalWire's Compatibility API for one Space, with the credentials of a connection.

    Nothing is looked up or sent until the first call. Transient failures (transport errors,
    timeouts, 429, 500/502/503/504) are retried with exponential backoff and jitter, honouring
    ``Retry-After``; other errors fail at once as a
    :class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass.

    :param signalwire_conn_id: id of a connection of type ``signalwire``: host = Space URL,
        login = Project ID, password = API token; optional extras ``timeout``,
        ``connect_timeout`` and ``verify``.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait in seconds (a server-asked wait is not capped).
    :param timeout: read timeout in seconds; overrides the connection's ``timeout`` extra.
    :param pool_size: keep-alive connections kept open; at least the number of threads sharing
        the hook, so none waits for a connection.
    """

    conn_name_attr = "signalwire_conn_id"
    default_conn_name = "signalwire_default"
    conn_type = "signalwire"
    hook_name = "SignalWire"

    def __init__(
        self,
        signalwire_conn_id: str = default_conn_name,
        *,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float | None = None,
        pool_size: int = 10,
    ) -> None:
        super().__init__()
        check_retry_knobs(max_attempts, initial_backoff, max_backoff)
        if timeout is not None and (isinstance(timeout, bool) or not 0 < timeout <= 3600):
            raise SignalWireValidationError(f"Invalid timeout {timeout!r}: expected 0 < s <= 3600.")
        self.signalwire_conn_id = signalwire_conn_id
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.pool_size = max(1, int(pool_size))

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Lay out the connection form on Airflow 3.1; 3.2+ reads ``get_provider_info`` instead."""
        behaviour = _connection_type_info()["ui-field-behaviour"]
        return {
            "hidden_fields": list(behaviour["hidden-fields"]),
            "relabeling": dict(behaviour["relabeling"]),
            "placeholders": dict(behaviour["placeholders"]),
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Add the extra fields to the form on Airflow 3.1; 3.2+ reads ``conn-fields`` instead."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import StringField

        return {
            name: StringField(
                lazy_gettext(field["label"]),
                widget=BS3TextFieldWidget(),
                description=field.get("description", ""),
            )
            for name, field in _connection_type_info()["conn-fields"].items()
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(signalwire_conn_id={self.signalwire_conn_id!r}, "
            f"max_attempts={self.max_attempts}, timeout={self.timeout})"
        )

    @cached_property
    def settings(self) -> SignalWireSettings:
        """The validated connection settings; fetched once, and the secrets masked in logs."""
        conn = self.get_connection(self.signalwire_conn_id)
        return settings_from_airflow_connection(
            conn, conn.extra_dejson, conn_id=self.signalwire_conn_id, timeout=self.timeout
        )

    @cached_property
    def transport(self) -> SignalWireTransport:
        """The keep-alive session with retries that every call goes through."""
        from airflow_provider_signalwire.hooks._transport import SignalWireTransport

        settings = self.settings
        if settings.verify is False:
            self.log.warning("TLS certificate verification is OFF for %s", settings.base_url)
        return SignalWireTransport(
            settings,
            max_attempts=self.max_attempts,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            pool_size=self.pool_size,
            logger=self.log,
        )

    def get_conn(self) -> requests.Session:
        """Return the authenticated ``requests.Session`` (Airflow's hook convention)."""
        return self.transport.session

    def close(self) -> None:
        """Close pooled connections; the hook reopens them if used again."""
        if "transport" in self.__dict__:
            self.transport.close()
            del self.__dict__["transport"]

    def _account(self, account_sid: str | None) -> str:
        return self.settings.project_id if account_sid is None else account_sid

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials with one cheap authenticated read (one conference, one page)."""
        try:
            settings = self.settings
            # One attempt: someone is waiting on the UI's Test button.
            page = self.transport.request(
                "GET",
                conferences_path(settings.project_id),
                params={"PageSize": "1"},
                max_attempts=1,
            )
        except SignalWireError as err:
            return False, str(err)
        found = len((page or {}).get("conferences") or [])
        return (
            True,
            f"Connected to {settings.base_url} as project {settings.project_id} "
            f"({found} conference(s) seen).",
        )

    # -- conferences -------------------------------------------------------------------------

    def _paginate(self, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        query: dict[str, str] | list[tuple[str, str]] = params
        while True:
            page = self.transport.request("GET", path, params=query) or {}
            items = page.get(key)
            if not isinstance(items, list):
                raise SignalWireResponseError(f"SignalWire page of {path} has no {key!r} list")
            yield from (item for item in items if isinstance(item, dict))
            next_uri = page.get("next_page_uri")
            if not next_uri:
                return
            path, query = next_page(str(next_uri), path)

    def list_conferences(
        self, *, account_sid: str | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """
        Iterate over conferences, following ``next_page_uri`` to the last page.

        :param account_sid: account to list; defaults to the connection's Project ID.
        :param filters: ``friendly_name``, ``status``, ``date_created`` (``_before``/``_after``),
            ``date_updated`` (``_before``/``_after``), ``page_size`` (1-1000).
        """
        allowed = {"friendly_name", "status", "page_size"} | {
            f"date_{what}{when}"
            for what in ("created", "updated")
            for when in ("", "_before", "_after")
        }
        unknown = sorted(set(filters) - allowed)
        if unknown:
            raise SignalWireValidationError(f"Unknown list_conferences filter(s): {unknown}.")
        path = conferences_path(self._account(account_sid))
        return self._paginate(path, "conferences", api_fields(**filters))

    def get_conference(
        self, conference_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one conference."""
        path = conference_path(self._account(account_sid), conference_sid)
        return self._object("GET", path)

    def update_conference(
        self,
        conference_sid: str,
        *,
        status: str | None = None,
        announce_url: str | None = None,
        announce_method: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """
        Update a conference: end it (``status="completed"``) or play an announcement.

        :param conference_sid: the conference.
        :param status: ``completed`` ends the conference.
        :param announce_url: URL of TwiML/cXML or audio to announce to all participants.
        :param announce_method: ``GET`` or ``POST`` for ``announce_url``.
        :param account_sid: defaults to the connection's Project ID.
        """
        if status is not None:
            choice("status", status, ("completed",))
        if announce_method is not None:
            choice("announce_method", announce_method, CALLBACK_METHODS)
        fields = api_fields(
            status=status, announce_url=announce_url, announce_method=announce_method
        )
        path = conference_path(self._account(account_sid), conference_sid)
        return self._object("POST", path, data=fields)

    def end_conference(
        self, conference_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """End a conference (``Status=completed``); every participant leaves it."""
        return self.update_conference(conference_sid, status="completed", account_sid=account_sid)

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = self.transport.request(method, path, **kwargs)
        if result is None:
            raise SignalWireResponseError(f"SignalWire answered {method} {path} without a body")
        return result

    def _delete(self, path: str, what: str) -> None:
        try:
            self.transport.request("DELETE", path)
        except SignalWireNotFoundError as err:
            if not err.after_lost_response:
                raise
            self.log.warning(
                "%s was gone after a lost answer to an earlier attempt: taken as done", what
            )

    # -- participants ------------------------------------------------------------------------

    def list_participants(
        self,
        conference_sid: str,
        *,
        muted: bool | None = None,
        hold: bool | None = None,
        page_size: int | None = None,
        account_sid: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Iterate over a conference's participants, optionally only muted or held ones."""
        path = conference_child_path(self._account(account_sid), conference_sid, "Participants")
        return self._paginate(
            path, "participants", api_fields(muted=muted, hold=hold, page_size=page_size)
        )

    def get_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one participant of a conference, by its call SID."""
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Participants", call_sid
        )
        return self._object("GET", path)

    def update_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """
        Update a participant: mute, hold, announce, coach.

        :param conference_sid: the conference.
        :param call_sid: the participant's call.
        :param account_sid: defaults to the connection's Project ID.
        :param fields: ``muted``, ``hold``, ``hold_url``, ``hold_method``, ``announce_url``,
            ``announce_method``, ``wait_url``, ``wait_method``, ``beep_on_exit``,
            ``end_conference_on_exit``, ``coaching``, ``call_sid_to_coach``.
        """
        allowed = {
            "muted", "hold", "hold_url", "hold_method", "announce_url", "announce_method",
            "wait_url", "wait_method", "beep_on_exit", "end_conference_on_exit", "coaching",
            "call_sid_to_coach",
        }  # fmt: skip
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise SignalWireValidationError(f"Unknown update_participant field(s): {unknown}.")
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Participants", call_sid
        )
        return self._object("POST", path, data=api_fields(**fields))

    def remove_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Remove a participant from a conference (hangs up its call leg)."""
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Participants", call_sid
        )
        self._delete(path, f"Participant {call_sid} of conference {conference_sid}")

    # -- recordings --------------------------------------------------------------------------

    def list_recordings(
        self, conference_sid: str, *, account_sid: str | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """
        Iterate over a conference's recordings.

        :param conference_sid: the conference.
        :param account_sid: defaults to the connection's Project ID.
        :param filters: ``date_created`` (``_before``/``_after``) and ``page_size``.
        """
        unknown = sorted(
            set(filters)
            - {"date_created", "date_created_before", "date_created_after", "page_size"}
        )
        if unknown:
            raise SignalWireValidationError(f"Unknown list_recordings filter(s): {unknown}.")
        path = conference_child_path(self._account(account_sid), conference_sid, "Recordings")
        return self._paginate(path, "recordings", api_fields(**filters))

    def get_recording(
        self, conference_sid: str, recording_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one recording of a conference."""
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Recordings", recording_sid
        )
        return self._object("GET", path)

    def update_recording(
        self,
        conference_sid: str,
        recording_sid: str,
        *,
        status: str,
        pause_behavior: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """Pause, resume (``in-progress``) or stop a conference recording."""
        choice("status", status, RECORDING_STATUSES)
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Recordings", recording_sid
        )
        return self._object(
            "POST", path, data=api_fields(status=status, pause_behavior=pause_behavior)
        )

    def delete_recording(
        self, conference_sid: str, recording_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Delete a conference recording."""
        path = conference_child_path(
            self._account(account_sid), conference_sid, "Recordings", recording_sid
        )
        self._delete(path, f"Recording {recording_sid} of conference {conference_sid}")

    # -- streams -----------------------------------------------------------------------------

    def start_conference_stream(
        self,
        conference_sid: str,
        *,
        url: str,
        name: str | None = None,
        track: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str | None = None,
        stream_codec: str | None = None,
        stream_real_time: bool | None = None,
        authorization_bearer_token: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """
        Start streaming a conference's audio to a WebSocket server.

        Retried only where the request provably never reached SignalWire (connection refused,
        429), so a retry never starts a second stream.

        :param conference_sid: the conference.
        :param url: the ``wss://`` URL of the WebSocket server.
        :param name: a name unique within the conference; a stream can later be stopped by it.
        :param track: ``inbound_track``, ``outbound_track`` or ``both_tracks`` (the default).
        :param status_callback: URL SignalWire calls on stream status changes.
        :param status_callback_method: ``GET`` or ``POST``.
        :param stream_codec: ``PCMU``, ``PCMA``, ``L16``, ``L16@16000h`` or ``L16@24000h``.
        :param stream_real_time: stream in real time.
        :param authorization_bearer_token: token SignalWire sends to the WebSocket server (masked).
        :param parameters: up to 99 custom parameters passed to the WebSocket server.
        :param account_sid: defaults to the connection's Project ID.
        """
        validate_wss_url(url)
        if name is not None:
            validate_stream_identifier(name, "name")
        for parameter, value, allowed in (
            ("track", track, STREAM_TRACKS),
            ("status_callback_method", status_callback_method, CALLBACK_METHODS),
            ("stream_codec", stream_codec, STREAM_CODECS),
        ):
            if value is not None:
                choice(parameter, value, allowed)
        if authorization_bearer_token:
            mask_secrets(authorization_bearer_token)
        fields = api_fields(
            url=url,
            name=name,
            track=track,
            status_callback=status_callback,
            status_callback_method=status_callback_method,
            stream_codec=stream_codec,
            stream_real_time=stream_real_time,
            authorization_bearer_token=authorization_bearer_token,
        )
        fields.update(stream_parameters_form(parameters))
        path = conference_child_path(self._account(account_sid), conference_sid, "Streams")
        return self._object("POST", path, data=fields, policy=CREATE)

    def stop_conference_stream(
        self, conference_sid: str, stream_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """
        Stop a conference's media stream, given its SID or its name; return the stream object.

        Stopping is idempotent, so it is retried on every transient failure. If an attempt's
        answer was lost and the retry then finds no such stream (404), the earlier attempt is
        taken to have stopped it: the result then has ``status`` ``stopped`` and a WARNING says so.

        :param conference_sid: the conference.
        :param stream_sid: the stream's SID, or the ``Name`` it was started with.
        :param account_sid: defaults to the connection's Project ID.
        """
        account = self._account(account_sid)
        path = conference_child_path(account, conference_sid, "Streams", stream_sid)
        try:
            return self._object("POST", path, data={"Status": "stopped"}, policy=IDEMPOTENT)
        except SignalWireNotFoundError as err:
            if not err.after_lost_response:
                raise
        self.log.warning(
            "Stream %s of conference %s: an earlier attempt's answer was lost and the retry found "
            "no such stream; taking it as already stopped",
            stream_sid,
            conference_sid,
        )
        return {
            "account_sid": account,
            "conference_sid": conference_sid,
            "sid": stream_sid,
            "name": None,
            "status": "stopped",
            "date_updated": None,
            "uri": f"{path}.json",
        }

    def stop_conference_streams(
        self,
        streams: list[Mapping[str, str]],
        *,
        max_concurrency: int = 4,
        account_sid: str | None = None,
    ) -> list[dict[str, Any]]:
        """
        Stop many streams with at most ``max_concurrency`` requests in flight.

        Every entry is validated before the first request. One stream's failure does not stop the
        others: the result has one outcome per entry, in order, each with ``conference_sid``,
        ``stream_sid`` and either ``status`` or ``error`` (and ``error_type``).

        :param streams: dicts with ``conference_sid`` and ``stream_sid``.
        :param max_concurrency: most requests in flight at once (1-64).
        :param account_sid: defaults to the connection's Project ID.
        """
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or not 1 <= max_concurrency <= 64
        ):
            raise SignalWireValidationError(
                f"Invalid max_concurrency {max_concurrency!r}: expected an integer from 1 to 64."
            )
        pairs = [_stream_pair(index, entry) for index, entry in enumerate(streams)]
        account = self._account(account_sid)
        validate_sid("account_sid", account)
        if max_concurrency > self.pool_size:
            self.close()
            self.pool_size = max_concurrency

        def stop_one(pair: tuple[str, str]) -> dict[str, Any]:
            conference_sid, stream_sid = pair
            outcome: dict[str, Any] = {"conference_sid": conference_sid, "stream_sid": stream_sid}
            try:
                outcome["status"] = self.stop_conference_stream(
                    conference_sid, stream_sid, account_sid=account
                ).get("status")
            except SignalWireError as err:
                outcome["error"] = str(err)
                outcome["error_type"] = type(err).__name__
            return outcome

        self.transport  # noqa: B018 - build the session once, before the threads share it
        with ThreadPoolExecutor(
            max_workers=max_concurrency, thread_name_prefix="signalwire-stop"
        ) as pool:
            return list(pool.map(stop_one, pairs))


def _stream_pair(index: int, entry: Any) -> tuple[str, str]:
    if not isinstance(entry, Mapping) or not {"conference_sid", "stream_sid"} <= set(entry):
        raise SignalWireValidationError(
            f"Invalid streams[{index}] {entry!r}: "
            "expected a dict with conference_sid and stream_sid."
        )
    try:
        return (
            validate_sid("conference_sid", entry["conference_sid"]),
            validate_stream_identifier(entry["stream_sid"]),
        )
    except SignalWireValidationError as err:
        raise SignalWireValidationError(f"streams[{index}]: {err}") from None


def _connection_type_info() -> dict[str, Any]:
    from airflow_provider_signalwire.get_provider_info import get_provider_info

    [connection_type] = get_provider_info()["connection-types"]
    return dict(connection_type)
