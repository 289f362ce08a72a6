"""
The SignalWire hook: one connection, one keep-alive session, one method per API action.

Every method a DAG author calls is in :class:`SignalWireHook`'s body below. Each builds its path
and fields (:mod:`~airflow_provider_signalwire.hooks._api`), sends them through the client with
retries (:mod:`~airflow_provider_signalwire.hooks._wire`), and checks that the answer is the
object asked for before returning it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire._compat import AirflowNotFoundException
from airflow_provider_signalwire.exceptions import SignalWireError, SignalWireNotFoundError
from airflow_provider_signalwire.hooks._api import (
    CALLBACK_METHODS,
    CONFERENCE_UPDATE_STATUSES,
    LIST_RECORDINGS_FILTERS,
    MESSAGES_RELATIVE_PATH,
    PAUSE_BEHAVIORS,
    RECORDING_STATUSES,
    STREAM_CODECS,
    STREAM_TRACKS,
    PageTrail,
    account_path,
    api_fields,
    assumed_stopped,
    check_allowed,
    check_max_concurrency,
    check_participant_update,
    check_pool_size,
    checked_conference,
    checked_new_stream,
    checked_participant,
    checked_recording,
    checked_stopped_stream,
    choice,
    conference_relative_path,
    page_items,
    recording_media_relative_path,
    stream_pairs,
    stream_parameters_form,
    validate_sid,
    validate_stream_identifier,
    validate_wss_url,
)
from airflow_provider_signalwire.hooks._batch import BatchInFlight
from airflow_provider_signalwire.hooks._conferences import (
    check_conference_filters,
    name_lookup_filters,
    newest_conference,
    unknown_conference,
)
from airflow_provider_signalwire.hooks._connection import (
    DEFAULT_MAX_PAGES,
    SignalWireHookBase,
    SignalWireSettings,
    connection_form_widgets,
    connection_not_found,
    settings_from_airflow_connection,
    ui_field_behaviour,
)
from airflow_provider_signalwire.hooks._errors import mask_secrets, missing_body, scrub
from airflow_provider_signalwire.hooks._messages import draft_message
from airflow_provider_signalwire.hooks._retry import CREATE, IDEMPOTENT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    import requests

    from airflow_provider_signalwire.hooks._media import MediaClient, MediaDownload, MediaSink
    from airflow_provider_signalwire.hooks._wire import KillSwitch, SignalWireTransport


class SignalWireHook(SignalWireHookBase):
    """
    Talk to SignalWire's Compatibility API for one Space, with the credentials of a connection.

    Nothing is looked up or sent until the first call. Transient failures (transport errors,
    timeouts, 429, 500/502/503/504) are retried with exponential backoff and jitter, honouring
    ``Retry-After``; other errors fail at once as a
    :class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass.

    :param signalwire_conn_id: id of a connection of type ``signalwire``: host = Space URL,
        login = Project ID, password = API token; optional extras ``timeout``,
        ``connect_timeout``, ``verify`` and ``from_number``.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait in seconds (a server-asked wait is not capped).
    :param timeout: read timeout in seconds, a deadline for each attempt's whole answer;
        overrides the connection's ``timeout`` extra.
    :param max_pages: most pages one listing reads (default 1000); a ``next_page_uri`` that
        leads back to a page already read ends a listing too.
    :param pool_size: keep-alive connections kept open; at least the number of threads sharing
        the hook, so none waits for a connection.
    """

    def __init__(
        self,
        signalwire_conn_id: str = SignalWireHookBase.default_conn_name,
        *,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        pool_size: int = 10,
    ) -> None:
        super().__init__(
            signalwire_conn_id,
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            timeout=timeout,
            max_pages=max_pages,
        )
        self.pool_size = check_pool_size(pool_size)
        self._aborted = False

    # Airflow 3.1 reads the form from these two, in this class's own __dict__ (3.2+ reads the
    # provider info): they must be defined here, not inherited.
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Lay out the connection form on Airflow 3.1; 3.2+ reads ``get_provider_info`` instead."""
        return ui_field_behaviour()

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Add the extra fields to the form on Airflow 3.1; 3.2+ reads ``conn-fields`` instead."""
        return connection_form_widgets()

    @cached_property
    def settings(self) -> SignalWireSettings:
        """The validated connection settings; fetched once, and the secrets masked in logs."""
        try:
            conn = self.get_connection(self.signalwire_conn_id)
        except AirflowNotFoundException:
            raise connection_not_found(self.signalwire_conn_id) from None
        return settings_from_airflow_connection(
            conn, conn.extra_dejson, conn_id=self.signalwire_conn_id, timeout=self.timeout
        )

    @cached_property
    def transport(self) -> SignalWireTransport:
        """The keep-alive session with retries that every call goes through."""
        from airflow_provider_signalwire.hooks._wire import SignalWireTransport

        settings = self.settings
        if settings.verify is False:
            self.log.warning("TLS certificate verification is OFF for %s", settings.base_url)
        return SignalWireTransport(settings, **self._client_arguments())

    @cached_property
    def media(self) -> MediaClient:
        """The session that fetches media files: no credentials, same Space, no redirects."""
        from airflow_provider_signalwire.hooks._media import MediaClient

        return MediaClient(self.settings, **self._client_arguments())

    def _client_arguments(self) -> dict[str, Any]:
        """What the API and media clients share: retry knobs, pool, kill switch and logger."""
        return {
            "max_attempts": self.max_attempts,
            "initial_backoff": self.initial_backoff,
            "max_backoff": self.max_backoff,
            "pool_size": self.pool_size,
            "kill_switch": self._kill_switch,
            "logger": self.log,
        }

    @cached_property
    def _kill_switch(self) -> KillSwitch:
        """The one kill switch of the API and media clients: deadlines, and ``abort``."""
        from airflow_provider_signalwire.hooks._wire import KillSwitch

        kill_switch = KillSwitch()
        if self._aborted:
            kill_switch.abort()
        return kill_switch

    def abort(self) -> None:
        """
        Stop for good, as a killed task must (``on_kill``): in-flight requests end now.

        No new request starts afterwards, media downloads included, and every call of this hook
        fails with :class:`~airflow_provider_signalwire.exceptions.SignalWireCancelledError`.
        Safe to call from another thread or a signal handler.
        """
        self._aborted = True
        kill_switch = self.__dict__.get("_kill_switch")
        if kill_switch is not None:
            kill_switch.abort()

    def get_conn(self) -> requests.Session:
        """Return the authenticated ``requests.Session`` (Airflow's hook convention)."""
        return self.transport.session

    def close(self) -> None:
        """Close pooled connections, the media session's too; they reopen if used again."""
        if "media" in self.__dict__:
            self.__dict__.pop("media").close()
        if "transport" in self.__dict__:
            self.__dict__.pop("transport").close()

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials with one cheap authenticated read (one conference, one page)."""
        try:
            settings = self.settings
            # One attempt: someone is waiting on the UI's Test button.
            page = self.transport.request(
                "GET",
                self._path(None, conference_relative_path(None)),
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

    def list_conferences(
        self, *, account_sid: str | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """
        Iterate over conferences, following ``next_page_uri`` to the last page.

        :param account_sid: account to list; defaults to the connection's Project ID.
        :param filters: ``friendly_name``, ``status``, ``date_created`` (``_before``/``_after``),
            ``date_updated`` (``_before``/``_after``), ``page_size`` (1-1000).
        """
        check_conference_filters(filters)
        query = api_fields(**filters)
        path = self._path(account_sid, conference_relative_path(None))
        return self._paginate(path, "conferences", query)

    def get_conference(
        self, conference_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one conference."""
        path = self._path(account_sid, conference_relative_path(conference_sid))
        return checked_conference(self._object("GET", path), conference_sid, "GET", path)

    def find_conference(
        self,
        *,
        conference_sid: str | None = None,
        friendly_name: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any] | None:
        """
        Look a conference up by SID, or the newest one of a name (``None`` if there is none).

        :param conference_sid: the conference's SID; an unknown SID is an error.
        :param friendly_name: the conference's name, used when no SID is given.
        :param account_sid: defaults to the connection's Project ID.
        """
        if conference_sid is None:
            name = str(friendly_name)
            return newest_conference(
                self.list_conferences(account_sid=account_sid, **name_lookup_filters(name)), name
            )
        relative = conference_relative_path(conference_sid)
        account, path = self._url(account_sid, relative)
        try:
            return checked_conference(self._object("GET", path), conference_sid, "GET", path)
        except SignalWireNotFoundError as err:
            failure = unknown_conference(err, conference_sid, account)
        raise failure

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
            choice("status", status, CONFERENCE_UPDATE_STATUSES)
        if announce_method is not None:
            choice("announce_method", announce_method, CALLBACK_METHODS)
        fields = api_fields(
            status=status, announce_url=announce_url, announce_method=announce_method
        )
        path = self._path(account_sid, conference_relative_path(conference_sid))
        return checked_conference(
            self._object("POST", path, data=fields), conference_sid, "POST", path
        )

    def end_conference(
        self, conference_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """End a conference (``Status=completed``); every participant leaves it."""
        return self.update_conference(conference_sid, status="completed", account_sid=account_sid)

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
        query = api_fields(muted=muted, hold=hold, page_size=page_size)
        relative = conference_relative_path(conference_sid, "Participants")
        return self._paginate(self._path(account_sid, relative), "participants", query)

    def get_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one participant of a conference, by its call SID."""
        return self._member("GET", account_sid, conference_sid, "Participants", call_sid)

    def update_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """
        Update a participant: mute, hold, announce, coach.

        :param conference_sid: the conference.
        :param call_sid: the participant's call.
        :param account_sid: defaults to the connection's Project ID.
        :param fields: what SignalWire's Update Participant defines: ``muted``, ``hold``,
            ``hold_url``, ``hold_method``, ``announce_url``, ``announce_method``, ``wait_url``,
            ``wait_method``, ``coaching``, ``call_sid_to_coach``. ``beep_on_exit`` and
            ``end_conference_on_exit`` are refused (the spec does not define them), as are
            methods other than ``GET``/``POST`` and non-boolean ``muted``/``hold``/``coaching``.
        """
        check_participant_update(fields)
        form = api_fields(**fields)
        return self._member("POST", account_sid, conference_sid, "Participants", call_sid, form)

    def remove_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Remove a participant from a conference (hangs up its call leg)."""
        self._delete(account_sid, conference_sid, "Participants", call_sid)

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
        check_allowed("list_recordings", "filter", filters, LIST_RECORDINGS_FILTERS)
        query = api_fields(**filters)
        relative = conference_relative_path(conference_sid, "Recordings")
        return self._paginate(self._path(account_sid, relative), "recordings", query)

    def get_recording(
        self, conference_sid: str, recording_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """Fetch one recording of a conference."""
        return self._member("GET", account_sid, conference_sid, "Recordings", recording_sid)

    def update_recording(
        self,
        conference_sid: str,
        recording_sid: str,
        *,
        status: str,
        pause_behavior: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """
        Pause, resume (``in-progress``) or stop a conference recording.

        :param conference_sid: the conference.
        :param recording_sid: the recording.
        :param status: ``paused``, ``in-progress`` or ``stopped``.
        :param pause_behavior: ``skip`` or ``silence``, while paused.
        :param account_sid: defaults to the connection's Project ID.
        """
        choice("status", status, RECORDING_STATUSES)
        if pause_behavior is not None:
            choice("pause_behavior", pause_behavior, PAUSE_BEHAVIORS)
        form = api_fields(status=status, pause_behavior=pause_behavior)
        return self._member("POST", account_sid, conference_sid, "Recordings", recording_sid, form)

    def delete_recording(
        self, conference_sid: str, recording_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Delete a conference recording."""
        self._delete(account_sid, conference_sid, "Recordings", recording_sid)

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
        form = api_fields(
            url=url,
            name=name,
            track=track,
            status_callback=status_callback,
            status_callback_method=status_callback_method,
            stream_codec=stream_codec,
            stream_real_time=stream_real_time,
            authorization_bearer_token=authorization_bearer_token,
        )
        form.update(stream_parameters_form(parameters))
        path = self._path(account_sid, conference_relative_path(conference_sid, "Streams"))
        secrets = (authorization_bearer_token,) if authorization_bearer_token else ()
        answer = self._object("POST", path, data=form, policy=CREATE, secrets=secrets)
        return checked_new_stream(answer, "POST", path)

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
        relative = conference_relative_path(conference_sid, "Streams", stream_sid)
        account, path = self._url(account_sid, relative)
        try:
            answer = self._object("POST", path, data={"Status": "stopped"}, policy=IDEMPOTENT)
            return checked_stopped_stream(answer, stream_sid, method="POST", path=path)
        except SignalWireNotFoundError as err:
            if not err.after_lost_response:
                raise
        self.log.warning(
            "Stream %s of conference %s: an earlier attempt's answer was lost and the retry found "
            "no such stream; taking it as already stopped",
            stream_sid,
            conference_sid,
        )
        return assumed_stopped(account, conference_sid, stream_sid, path)

    def stop_conference_streams(
        self,
        streams: list[Mapping[str, str]] | str,
        *,
        max_concurrency: int = 4,
        account_sid: str | None = None,
    ) -> list[dict[str, Any]]:
        """
        Stop many streams with at most ``max_concurrency`` requests in flight.

        Every entry is validated before the first request. One stream's failure does not stop the
        others: the result has one outcome per entry, in order, each with ``conference_sid``,
        ``stream_sid`` and either ``status`` or ``error`` (and ``error_type``).

        :param streams: dicts with ``conference_sid`` and ``stream_sid`` (or their JSON).
        :param max_concurrency: most requests in flight at once (1-64).
        :param account_sid: defaults to the connection's Project ID.
        """
        check_max_concurrency(max_concurrency)
        pairs = stream_pairs(streams)
        account = self.settings.project_id if account_sid is None else account_sid
        validate_sid("account_sid", account)
        if max_concurrency > self.pool_size:
            self.close()
            self.pool_size = max_concurrency
        self.transport  # noqa: B018 - build the session once, before the threads share it

        def stop_one(conference_sid: str, stream_sid: str) -> dict[str, Any]:
            return self.stop_conference_stream(conference_sid, stream_sid, account_sid=account)

        return _stop_all(
            stop_one, pairs, max_concurrency, secrets=self.settings.secrets, abort=self.abort
        )

    # -- recording media ---------------------------------------------------------------------

    def recording_media_length(
        self, recording_sid: str, *, media_format: str = "wav", account_sid: str | None = None
    ) -> int | None:
        """
        Ask the size of a recording's media file with ``HEAD``, without downloading it.

        :param recording_sid: the recording.
        :param media_format: ``wav`` or ``mp3``.
        :param account_sid: defaults to the connection's Project ID.
        :return: its ``Content-Length``, or ``None`` if ``HEAD`` did not tell it (405, 404,
            no length, ...); 429 and 5xx are retried, then raised.
        """
        relative = recording_media_relative_path(recording_sid, media_format)
        return self.media.content_length(self._path(account_sid, relative))

    def download_recording_media(
        self,
        recording_sid: str,
        sink: MediaSink,
        *,
        media_format: str = "wav",
        account_sid: str | None = None,
    ) -> MediaDownload:
        """
        Stream a recording's media file into ``sink``, in chunks, checked against its length.

        The media URL (``GET /Accounts/{AccountSid}/Recordings/{Sid}.wav`` or ``.mp3``) is
        public: no credentials are sent, and a redirect is never followed. A transient failure,
        including a body cut off before its ``Content-Length``, starts the file over
        (``sink.restart``), within the retry knobs.

        :param recording_sid: the recording.
        :param sink: where the bytes go (``restart(content_length) -> bool``, ``write(chunk)``).
        :param media_format: ``wav`` or ``mp3``.
        :param account_sid: defaults to the connection's Project ID.
        :raises SignalWireError: a subclass naming what went wrong, after the retries.
        """
        relative = recording_media_relative_path(recording_sid, media_format)
        return self.media.download(self._path(account_sid, relative), sink)

    # -- messages ----------------------------------------------------------------------------

    def send_message(
        self,
        to: str,
        *,
        body: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        media_url: str | Sequence[str] | None = None,
        status_callback: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """
        Send an SMS (or an MMS, with media) and return the message object SignalWire created.

        Every argument is checked before any request. Sending creates a message, so it is retried
        only where the request provably never reached SignalWire (connection never established,
        429): a retry never sends a second text.

        :param to: the recipient, E.164 (``+`` and 2-15 digits).
        :param body: the text, at most 1,600 characters; ``body``, ``media_url`` or both.
        :param from_number: the E.164 number to send from.
        :param messaging_service_sid: send through this messaging service instead; give at most
            one of the two, and neither to send from the connection's Default From number.
        :param media_url: an ``https://`` URL of media to attach (MMS), or a list of them.
        :param status_callback: an ``http(s)://`` URL SignalWire reports the delivery status to.
        :param account_sid: defaults to the connection's Project ID.
        """
        draft = draft_message(
            to, body, from_number, messaging_service_sid, media_url, status_callback
        )
        path = self._path(account_sid, MESSAGES_RELATIVE_PATH)
        form = draft.form(self.settings.from_number)
        return self._object("POST", path, data=form, policy=CREATE)

    # -- the request path shared by every call -----------------------------------------------

    def _url(self, account_sid: str | None, relative: str) -> tuple[str, str]:
        """
        Return ``(account, path)``: ``relative`` below the account (default: the Project ID).

        Callers build ``relative`` first, so bad input fails before the connection is fetched.
        """
        account = self.settings.project_id if account_sid is None else account_sid
        return account, account_path(account) + relative

    def _path(self, account_sid: str | None, relative: str) -> str:
        return self._url(account_sid, relative)[1]

    def _paginate(self, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        following: tuple[str, Any] | None = (path, params)
        trail = PageTrail(self.max_pages)
        while following is not None:
            path, query = following
            trail.visit(path, query)
            items, following = page_items(
                self.transport.request("GET", path, params=query), key, path
            )
            yield from items

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = self.transport.request(method, path, **kwargs)
        if result is None:
            raise missing_body(method, path)
        return result

    def _member(
        self,
        method: str,
        account_sid: str | None,
        conference_sid: str,
        collection: str,
        sid: str,
        form: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Read or update one participant or recording, checked to be the one asked for."""
        path = self._path(account_sid, conference_relative_path(conference_sid, collection, sid))
        answer = self._object(method, path, data=form)
        if collection == "Participants":
            return checked_participant(answer, sid, method, path)
        return checked_recording(answer, sid, method, path)

    def _delete(
        self, account_sid: str | None, conference_sid: str, collection: str, sid: str
    ) -> None:
        """Delete one participant or recording; gone after a lost answer counts as deleted."""
        path = self._path(account_sid, conference_relative_path(conference_sid, collection, sid))
        try:
            self.transport.request("DELETE", path)
        except SignalWireNotFoundError as err:
            if not err.after_lost_response:
                raise
            self.log.warning(
                "%s %s of conference %s was gone after a lost answer to an earlier attempt: "
                "taken as done",
                collection.removesuffix("s"),
                sid,
                conference_sid,
            )


def _stop_all(
    stop_one: Callable[[str, str], dict[str, Any]],
    pairs: list[tuple[str, str]],
    max_concurrency: int,
    *,
    secrets: tuple[str, ...] = (),
    abort: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """
    Stop every ``(conference_sid, stream_sid)`` pair, at most ``max_concurrency`` at once.

    One stream's failure, whatever the exception, becomes that stream's outcome: every stream is
    attempted. Only the caller's own interruption (``execution_timeout``, a kill) ends the batch
    early: ``abort`` then cuts the requests in flight off, and no new one starts.

    :param stop_one: stops one stream and returns its object.
    :param pairs: the streams, validated.
    :param max_concurrency: most requests in flight.
    :param secrets: credentials to scrub from the error messages.
    :param abort: ends the requests in flight, when the caller is interrupted.
    :return: one outcome per pair, in order: ``conference_sid``, ``stream_sid`` and ``status``,
        or ``error`` and ``error_type``.
    """
    in_flight = BatchInFlight()

    def outcome(pair: tuple[str, str]) -> dict[str, Any]:
        conference_sid, stream_sid = pair
        result: dict[str, Any] = {"conference_sid": conference_sid, "stream_sid": stream_sid}
        if not in_flight.begin():
            return result  # the batch was interrupted: this stream is left as it is
        try:
            result["status"] = stop_one(conference_sid, stream_sid).get("status")
        except SignalWireError as err:
            result["error"] = scrub(str(err), secrets)
            result["error_type"] = type(err).__name__
        except Exception as err:  # whatever one stream raises, the others are still stopped
            result["error"] = scrub(f"{type(err).__name__}: {err}"[:500], secrets)
            result["error_type"] = type(err).__name__
        finally:
            in_flight.end()
        return result

    pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="signalwire-stop")
    try:
        futures = [pool.submit(outcome, pair) for pair in pairs]
        return [future.result() for future in futures]
    except BaseException:
        if abort is not None:
            abort()
        raise
    finally:
        in_flight.close()
        pool.shutdown(wait=True, cancel_futures=True)
        in_flight.wait()  # no stop outlives the call, even one shutdown() did not know of
