"""
The synchronous hook's recording media actions: the size of a media file, and its download.

Part of :class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`; the HTTP lives in
:mod:`~airflow_provider_signalwire.hooks._media` (a session without credentials).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from airflow_provider_signalwire.hooks._sync_base import SyncHookBase
from airflow_provider_signalwire.hooks._urls import recording_media_relative_path

if TYPE_CHECKING:
    from airflow_provider_signalwire.hooks._media import MediaClient, MediaDownload, MediaSink


class RecordingMediaActions(SyncHookBase):
    """Read recordings' media files (see ``SignalWireHook``)."""

    @cached_property
    def media(self) -> MediaClient:
        """The session that fetches media files: no credentials, same Space, no redirects."""
        from airflow_provider_signalwire.hooks._media import MediaClient

        client = MediaClient(
            self.settings,
            max_attempts=self.max_attempts,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            pool_size=self.pool_size,
            logger=self.log,
        )
        if self._aborted:
            client.abort()
        return client

    def abort(self) -> None:
        """Stop for good, media downloads included: see the API calls' ``abort``."""
        super().abort()
        media = self.__dict__.get("media")
        if media is not None:
            media.abort()

    def close(self) -> None:
        """Close pooled connections, the media session's too; they reopen if used again."""
        if "media" in self.__dict__:
            self.__dict__.pop("media").close()
        super().close()

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
