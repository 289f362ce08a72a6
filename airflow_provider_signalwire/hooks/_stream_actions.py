"""
The synchronous hook's stream actions: start, stop, and stop many at once.

Part of :class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`; kept apart so each
module stays one screenful of API actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireNotFoundError
from airflow_provider_signalwire.hooks._answers import checked_new_stream, checked_stopped_stream
from airflow_provider_signalwire.hooks._fields import (
    CALLBACK_METHODS,
    STREAM_CODECS,
    STREAM_TRACKS,
    api_fields,
)
from airflow_provider_signalwire.hooks._retry import CREATE, IDEMPOTENT
from airflow_provider_signalwire.hooks._secrets import mask_secrets
from airflow_provider_signalwire.hooks._streams import assumed_stopped, stop_all
from airflow_provider_signalwire.hooks._sync_base import SyncHookBase
from airflow_provider_signalwire.hooks._urls import conference_relative_path
from airflow_provider_signalwire.hooks._validation import (
    check_max_concurrency,
    choice,
    stream_pairs,
    stream_parameters_form,
    validate_sid,
    validate_stream_identifier,
    validate_wss_url,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


class StreamActions(SyncHookBase):
    """Start and stop a conference's media streams (see ``SignalWireHook``)."""

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

        return stop_all(
            stop_one, pairs, max_concurrency, secrets=self.settings.secrets, abort=self.abort
        )
