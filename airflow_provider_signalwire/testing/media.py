"""
The bytes of a recording's media file: deterministic, of any size, produced without buffering.

The same recording SID, format and size always give the same bytes, so a test or a benchmark can
check a downloaded copy byte for byte (:func:`media_sha256`, :func:`media_bytes`) without keeping
the file around. The bytes repeat a pseudo-random pattern of a prime length, so no chunk boundary
of a client lines up with it and a shifted or repeated chunk changes the hash.
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Content-Type of each media format, as SignalWire serves them.
MEDIA_CONTENT_TYPES = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}
#: Length of the repeated pattern: a prime, so it never lines up with power-of-two chunks.
PATTERN_LENGTH = 65_521
#: Bytes produced per chunk.
CHUNK_SIZE = 256 * 1024


@lru_cache(maxsize=64)
def _window(sid: str, media_format: str) -> bytes:
    """The pattern, repeated so that any chunk is one slice of it at some offset."""
    pattern = random.Random(f"{sid}.{media_format}").randbytes(PATTERN_LENGTH)  # noqa: S311
    return pattern * (CHUNK_SIZE // PATTERN_LENGTH + 2)


def media_chunks(
    sid: str, media_format: str, size: int, *, start: int = 0, stop: int | None = None
) -> Iterator[memoryview]:
    """
    Yield bytes ``start`` to ``stop`` (default: ``size``) of a recording's media file.

    :param sid: the recording SID.
    :param media_format: ``wav`` or ``mp3``.
    :param size: the file's size.
    :param start: first byte.
    :param stop: byte after the last one.
    """
    window = memoryview(_window(sid, media_format))
    offset, end = start, size if stop is None else min(stop, size)
    while offset < end:
        length = min(CHUNK_SIZE, end - offset)
        at = offset % PATTERN_LENGTH
        yield window[at : at + length]
        offset += length


def media_bytes(sid: str, media_format: str, size: int) -> bytes:
    """
    Return a whole media file (for small sizes; use :func:`media_chunks` for large ones).

    :param sid: the recording SID.
    :param media_format: ``wav`` or ``mp3``.
    :param size: the file's size.
    """
    return b"".join(media_chunks(sid, media_format, size))


def media_sha256(sid: str, media_format: str, size: int) -> str:
    """
    Return the SHA-256 (hex) of a media file, computed chunk by chunk.

    :param sid: the recording SID.
    :param media_format: ``wav`` or ``mp3``.
    :param size: the file's size.
    """
    digest = hashlib.sha256()
    for chunk in media_chunks(sid, media_format, size):
        digest.update(chunk)
    return digest.hexdigest()
