"""Recording media: the size of each recording's file (its bytes come from ``testing.media``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store.recordings import RecordingStore
    from airflow_provider_signalwire.testing.store.space import JSONDict

#: Size of a recording's media file unless a test sets another.
DEFAULT_MEDIA_SIZE = 4096


def check_size(size: int) -> int:
    """
    Return ``size`` if it can be the size of a media file, else raise ``ValueError``.

    :param size: bytes, at least 0.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size must be an integer of at least 0, got {size!r}")
    return size


class MediaStore:
    """
    The media file of every recording: a size per recording, the same for ``.wav`` and ``.mp3``.

    :param recordings: the recording store (its lock guards this one too).
    """

    def __init__(self, recordings: RecordingStore) -> None:
        self.recordings = recordings
        self.space = recordings.space
        self._sizes: dict[str, int] = {}

    def set_size(self, sid: str, size: int) -> None:
        """
        Set the size of a recording's media file.

        :param sid: the recording SID.
        :param size: bytes, at least 0.
        """
        check_size(size)
        with self.space.lock:
            self._sizes[sid] = size

    @staticmethod
    def checked_size(size: int | None) -> int:
        """
        Return the size a new recording's media file gets: ``size``, or the default if ``None``.

        :param size: bytes, at least 0, or ``None``.
        """
        return DEFAULT_MEDIA_SIZE if size is None else check_size(size)

    def describe(self, sid: str) -> tuple[JSONDict, int]:
        """
        Return a recording (found by SID alone) and the size of its media file.

        :param sid: the recording SID.
        :raises UnknownResourceError: no recording has that SID.
        """
        with self.space.lock:
            return self.recordings.find(sid), self._sizes.get(sid, DEFAULT_MEDIA_SIZE)
