"""
Write one recording into object storage: a temporary name, hashed on the way, moved at the end.

The file appears under its final name only once every announced byte was written, so a reader of
the destination never sees half a recording, whatever filesystem ``ObjectStoragePath`` wraps.
The temporary file is ``.{final name}.{32 hex digits}.part`` next to the final name: a run that
was killed mid-download leaves such files, and :func:`remove_stale_parts` (called by the next run
for each recording it handles) recognises them by that name alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireError

if TYPE_CHECKING:
    import threading

    from airflow.sdk import ObjectStoragePath


#: What a temporary file's name looks like; group 1 is the final name it belongs to.
PART_NAME = re.compile(r"\.(.+)\.([0-9a-f]{32})\.part")


class DownloadCancelledError(SignalWireError):
    """The task is stopping (killed or timed out): a download was dropped, never completed."""


class NotARegularFileError(SignalWireError):
    """Something other than a regular file (a folder, a link) sits at a recording's final path."""


def part_name(final_name: str) -> str:
    """
    Return a fresh temporary name for the file that will be called ``final_name``.

    :param final_name: the final file name, e.g. ``RE123.wav``.
    """
    return f".{final_name}.{uuid.uuid4().hex}.part"


def path_kind(path: ObjectStoragePath) -> str | None:
    """
    Return what is at ``path``: ``file``, ``directory``, ``link``, another kind, or ``None``.

    :param path: where a recording would be stored.
    """
    try:
        info = path.fs.info(path.path)
    except FileNotFoundError:
        return None
    if info.get("islink"):
        return "link"
    return str(info.get("type"))


def require_regular_file_or_nothing(path: ObjectStoragePath) -> None:
    """
    Refuse a final path taken by anything but a regular file.

    :param path: the final path of a recording.
    :raises NotARegularFileError: a folder, a link or another kind of entry is there.
    """
    kind = path_kind(path)
    if kind not in (None, "file"):
        raise NotARegularFileError(
            f"Recording file {path}: a {kind}, not a regular file, is at its final path; "
            "nothing was archived there"
        )


def stale_parts(folder: ObjectStoragePath) -> dict[str, list[str]]:
    """
    Return the temporary files left in ``folder`` by earlier runs, by the final name they belong to.

    :param folder: the conference's folder.
    """
    try:
        entries = folder.fs.ls(folder.path, detail=False)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[str, list[str]] = {}
    for entry in entries:
        match = PART_NAME.fullmatch(str(entry).rstrip("/").rpartition("/")[2])
        if match is not None:
            found.setdefault(match[1], []).append(str(entry))
    return found


def remove_stale_parts(folder: ObjectStoragePath, paths: list[str]) -> int:
    """
    Remove temporary files an earlier, killed run left behind; return how many were removed.

    :param folder: the conference's folder (its filesystem is used).
    :param paths: the files, as :func:`stale_parts` listed them.
    """
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            folder.fs.rm(path)
            removed += 1
    return removed


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
        self.temp = final.parent / part_name(final.name)
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
        :raises NotARegularFileError: the final path is taken by a folder or a link, before the
            move or (a race) after it.
        """
        self._close()
        stored = existing_size(self.temp)
        short = self.expected is not None and self.written != self.expected
        if not self.started or short or stored != self.written:
            raise SignalWireError(
                f"Recording file {self.final} is incomplete: {self.written} bytes written, "
                f"{stored} stored, {self.expected} announced; not moved to its final name"
            )
        require_regular_file_or_nothing(self.final)
        self.temp.fs.mv(self.temp.path, self.final.path)
        if path_kind(self.final) != "file" or existing_size(self.final) != self.written:
            # Something took the final path between the check and the move (a folder would
            # have swallowed the file): never report what is not there.
            with contextlib.suppress(OSError):
                self.final.fs.rm((self.final / self.temp.name).path)
            raise NotARegularFileError(
                f"Recording file {self.final}: after the move, no regular file of "
                f"{self.written} bytes is at its final path"
            )
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
