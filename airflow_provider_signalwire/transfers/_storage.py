"""
Write one recording into object storage: a temporary name, hashed on the way, moved at the end.

The file appears under its final name only once every announced byte was written, so a reader of
the destination never sees half a recording, whatever filesystem ``ObjectStoragePath`` wraps.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireError

if TYPE_CHECKING:
    import threading

    from airflow.sdk import ObjectStoragePath


class DownloadCancelledError(SignalWireError):
    """The task is stopping (killed or timed out): a download was dropped, never completed."""


def existing_size(path: ObjectStoragePath) -> int | None:
    """
    Return the size of the file at ``path``, or ``None`` if there is none.

    :param path: where a recording would be stored.
    """
    try:
        info = path.fs.info(path.path)
    except FileNotFoundError:
        return None
    if info.get("type") != "file":
        return None
    return int(info["size"])


class RecordingFile:
    """
    The destination of one recording, written through a temporary file next to it.

    Each attempt of the download calls :meth:`restart` (which truncates), then :meth:`write` per
    chunk; :meth:`commit` checks the byte count and moves the file to its final name;
    :meth:`discard` removes the temporary file after a failure. Memory use is one chunk.

    :param final: the final path of the recording.
    :param keep_size: size of a file already at ``final`` that should be kept if the server
        announces the same size (the download is then declined); ``None`` to always download.
    :param cancel: once set, the next write raises :class:`DownloadCancelledError`.
    """

    def __init__(
        self,
        final: ObjectStoragePath,
        *,
        keep_size: int | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.final = final
        self.keep_size = keep_size
        self.cancel = cancel
        self.temp = final.parent / f".{final.name}.{uuid.uuid4().hex}.part"
        self.expected: int | None = None
        self.started = False
        self.written = 0
        self.committed = False
        self._sha256 = hashlib.sha256()
        self._file: Any = None

    def restart(self, content_length: int | None) -> bool:
        """
        Start writing the file over; decline it if the kept file has the announced size.

        :param content_length: bytes the server announced; ``None`` if it announced none
            (a chunked body), which is never declined.
        :return: whether the download should go on.
        """
        self._close()
        if content_length is not None and content_length == self.keep_size:
            return False
        self.started = True
        self.expected = content_length
        self.written = 0
        self._sha256 = hashlib.sha256()
        fs = self.temp.fs
        fs.makedirs(self.temp.parent.path, exist_ok=True)
        self._file = fs.open(self.temp.path, "wb")
        return True

    def write(self, chunk: bytes) -> None:
        """
        Write the next chunk to the temporary file and add it to the hash.

        :param chunk: the next bytes of the recording.
        :raises DownloadCancelledError: the task is stopping.
        """
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelledError(
                f"Recording file {self.final}: the task is stopping; download dropped"
            )
        self._file.write(chunk)
        self._sha256.update(chunk)
        self.written += len(chunk)

    def commit(self) -> str:
        """
        Move the complete file to its final name; return its SHA-256 (hex).

        :raises SignalWireError: the bytes written or stored differ from the announced length
            (the temporary file is then left for :meth:`discard`).
        """
        self._close()
        stored = existing_size(self.temp)
        short = self.expected is not None and self.written != self.expected
        if not self.started or short or stored != self.written:
            raise SignalWireError(
                f"Recording file {self.final} is incomplete: {self.written} bytes written, "
                f"{stored} stored, {self.expected} announced; not moved to its final name"
            )
        self.temp.fs.mv(self.temp.path, self.final.path)
        self.committed = True
        return self._sha256.hexdigest()

    def discard(self) -> None:
        """Close and remove the temporary file, if any (nothing to do once committed)."""
        if self.committed:
            return
        with contextlib.suppress(OSError):
            self._close()
        with contextlib.suppress(FileNotFoundError):
            if existing_size(self.temp) is not None:
                self.temp.fs.rm(self.temp.path)

    def _close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()
