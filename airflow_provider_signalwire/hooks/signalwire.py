"""The SignalWire hook: one connection, one keep-alive session, one method per API action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireNotFoundError
from airflow_provider_signalwire.hooks._answers import (
    checked_conference,
    checked_participant,
    checked_recording,
)
from airflow_provider_signalwire.hooks._conferences import (
    name_lookup_filters,
    newest_conference,
    unknown_conference,
)
from airflow_provider_signalwire.hooks._connection_form import (
    connection_form_widgets,
    ui_field_behaviour,
)
from airflow_provider_signalwire.hooks._fields import (
    CALLBACK_METHODS,
    CONFERENCE_UPDATE_STATUSES,
    LIST_RECORDINGS_FILTERS,
    PAUSE_BEHAVIORS,
    RECORDING_STATUSES,
    api_fields,
)
from airflow_provider_signalwire.hooks._media_actions import RecordingMediaActions
from airflow_provider_signalwire.hooks._messages import draft_message
from airflow_provider_signalwire.hooks._retry import CREATE
from airflow_provider_signalwire.hooks._stream_actions import StreamActions
from airflow_provider_signalwire.hooks._urls import MESSAGES_RELATIVE_PATH, conference_relative_path
from airflow_provider_signalwire.hooks._validation import (
    check_allowed,
    check_conference_filters,
    check_participant_update,
    choice,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


class SignalWireHook(StreamActions, RecordingMediaActions):
    """
    Talk to SignalWire's Compatibility API for one Space, with the credentials of a connection.

    Nothing is looked up or sent until the first call. Transient failures (transport errors,
    timeouts, 429, 500/502/503/504) are retried with exponential backoff and jitter, honouring
    ``Retry-After``; other errors fail at once as a
    :class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass. Stream actions
    (``start_conference_stream``, ``stop_conference_stream``, ``stop_conference_streams``)
    are inherited from :class:`~airflow_provider_signalwire.hooks._stream_actions.StreamActions`,
    recording media (``recording_media_length``, ``download_recording_media``) from
    :class:`~airflow_provider_signalwire.hooks._media_actions.RecordingMediaActions`.

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
        path = self._path(
            account_sid, conference_relative_path(conference_sid, "Participants", call_sid)
        )
        return checked_participant(self._object("GET", path), call_sid, "GET", path)

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
        path = self._path(
            account_sid, conference_relative_path(conference_sid, "Participants", call_sid)
        )
        return checked_participant(self._object("POST", path, data=form), call_sid, "POST", path)

    def remove_participant(
        self, conference_sid: str, call_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Remove a participant from a conference (hangs up its call leg)."""
        relative = conference_relative_path(conference_sid, "Participants", call_sid)
        self._delete(
            self._path(account_sid, relative),
            f"Participant {call_sid} of conference {conference_sid}",
        )

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
        path = self._path(
            account_sid, conference_relative_path(conference_sid, "Recordings", recording_sid)
        )
        return checked_recording(self._object("GET", path), recording_sid, "GET", path)

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
        path = self._path(
            account_sid, conference_relative_path(conference_sid, "Recordings", recording_sid)
        )
        return checked_recording(self._object("POST", path, data=form), recording_sid, "POST", path)

    def delete_recording(
        self, conference_sid: str, recording_sid: str, *, account_sid: str | None = None
    ) -> None:
        """Delete a conference recording."""
        relative = conference_relative_path(conference_sid, "Recordings", recording_sid)
        self._delete(
            self._path(account_sid, relative),
            f"Recording {recording_sid} of conference {conference_sid}",
        )

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
