"""
Download recording media: streamed in chunks, without credentials, exact to the announced length.

A recording's media URL (``/Accounts/{AccountSid}/Recordings/{Sid}.wav`` or ``.mp3``) is public
in SignalWire's API: it needs no authentication, so this client sends none. It only ever talks to
the connection's Space (the path is built here, never taken from an answer) and never follows a
redirect. A download that breaks mid-file starts that file over, within the retry policy.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import requests
from tenacity import Retrying

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireResponseError,
)
from airflow_provider_signalwire.hooks._errors import (
    Answer,
    cancelled_error,
    error_from_response,
    final_error,
    header_integer,
    transport_error,
)
from airflow_provider_signalwire.hooks._retry import IDEMPOTENT, TRANSIENT_SERVER_STATUSES
from airflow_provider_signalwire.hooks._wire import (
    TRANSPORT_ERRORS,
    TransportBase,
    WatchedAdapter,
    is_connect_failure,
    new_session,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_signalwire.hooks._connection import SignalWireSettings
    from airflow_provider_signalwire.hooks._wire import KillSwitch

#: Bytes read off the socket and handed to the sink at a time.
CHUNK_SIZE = 1024 * 1024
#: Most bytes of an error answer kept for its message.
_ERROR_BODY_BYTES = 64 * 1024
#: ``HEAD`` answers worth retrying; any other answer but 200 means "size unknown from HEAD".
_RETRIED_HEAD_STATUSES = TRANSIENT_SERVER_STATUSES | {429}

_T = TypeVar("_T")


class MediaSink(Protocol):
    """Where a download's bytes go; every attempt starts the file over."""

    def restart(self, content_length: int | None) -> bool:
        """
        Start the file (again), dropping whatever an earlier attempt wrote.

        :param content_length: the bytes the server announced; ``None`` for a chunked body
            (whose end marker, not a length, proves it complete).
        :return: ``False`` to take nothing (the file is already there): the download stops.
        """

    def write(self, chunk: bytes) -> None:
        """Take the next chunk of the file."""


@dataclass(frozen=True)
class MediaDownload:
    """
    What a download did.

    :param path: the media path that was fetched.
    :param content_length: the bytes the server announced (``None``: a chunked body).
    :param received: the bytes received and written (``0`` when the sink declined them).
    :param declined: the sink declined the file after seeing its length.
    """

    path: str
    content_length: int | None
    received: int
    declined: bool


class MediaClient(TransportBase):
    """
    Fetch media files from one SignalWire Space, with no credentials and with retries.

    Takes the arguments of :class:`~airflow_provider_signalwire.hooks._wire.TransportBase`
    (``max_attempts`` counts attempts per file), and:

    :param pool_size: connections kept open; match it to the number of parallel downloads.
    :param kill_switch: the hook's kill switch, shared with its API client: a kill ends the
        downloads in flight too.
    :param sleep: how to wait between attempts (tests pass a fake); by default a wait that a
        kill ends at once.
    :param chunk_size: bytes handed to the sink at a time.
    """

    def __init__(
        self,
        settings: SignalWireSettings,
        *,
        pool_size: int,
        kill_switch: KillSwitch,
        sleep: Callable[[float], None] | None = None,
        chunk_size: int = CHUNK_SIZE,
        **knobs: Any,
    ) -> None:
        super().__init__(settings, **knobs)
        self.chunk_size = chunk_size
        self.kill_switch = kill_switch
        self.sleep = sleep or kill_switch.sleep
        self._retrying = Retrying(
            **self.loop_arguments(IDEMPOTENT, self.max_attempts), sleep=lambda s: self.sleep(s)
        )
        # A session of its own: the API session carries the Basic credentials, this one none.
        # identity: Content-Length must count the very bytes that are stored.
        self.session = new_session(
            settings,
            pool_size=pool_size,
            headers={"Accept-Encoding": "identity"},
            adapter_class=WatchedAdapter,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    @contextlib.contextmanager
    def _watched(self, method: str, path: str) -> Iterator[None]:
        """Run one attempt that a kill can cut off; a cut-off attempt is a cancellation."""
        origin = self.settings.origin
        if self.kill_switch.killed:
            raise cancelled_error(method, path, origin=origin, maybe_delivered=False)
        # No deadline for the whole answer: a large file may take long; each read is timed.
        attempt = self.kill_switch.begin(math.inf)
        cut_off: SignalWireCancelledError | None = None
        try:
            yield
        except (SignalWireError, *TRANSPORT_ERRORS):
            if not attempt.cut_off:
                raise
            cut_off = cancelled_error(method, path, origin=origin, maybe_delivered=True)
        finally:
            self.kill_switch.end(attempt)
        if cut_off is not None:
            raise cut_off

    def content_length(self, path: str) -> int | None:
        """
        Ask for a media file's size with ``HEAD``, without downloading it.

        429 and 500/502/503/504 are retried like any call; any other answer than 200 with a
        ``Content-Length`` gives ``None``.

        :param path: the media path, already validated and encoded.
        :return: the announced size, or ``None`` if ``HEAD`` did not tell it.
        """
        return self._retried(lambda: self._head_once(path))

    def download(self, path: str, sink: MediaSink) -> MediaDownload:
        """
        Stream a media file into ``sink``; a failed attempt starts the file over.

        :param path: the media path, already validated and encoded.
        :param sink: where the bytes go.
        :raises SignalWireError: a subclass naming what went wrong, after the retries; a body
            cut off before its announced length is a transient ``SignalWireConnectionError``.
        """
        return self._retried(lambda: self._download_once(path, sink))

    def _retried(self, attempt_once: Callable[[], _T]) -> _T:
        failure: SignalWireError | None = None
        try:
            for attempt in self._retrying:
                with attempt:
                    return attempt_once()
        except SignalWireError as err:
            failure = final_error(err, self._retrying.statistics)
        if failure is not None:
            raise failure
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _send(self, method: str, path: str) -> requests.Response:
        failure: SignalWireConnectionError
        try:
            return self.session.request(
                method,
                f"{self.settings.base_url}{path}",
                timeout=self.settings.timeout,
                allow_redirects=False,
                stream=True,
            )
        except TRANSPORT_ERRORS as exc:
            never_sent = isinstance(exc, requests.RequestException) and is_connect_failure(exc)
            origin = self.settings.origin
            failure = transport_error(exc, method, path, never_sent=never_sent, origin=origin)
        raise failure

    def _head_once(self, path: str) -> int | None:
        with self._watched("HEAD", path):
            return self._head(path)

    def _download_once(self, path: str, sink: MediaSink) -> MediaDownload:
        with self._watched("GET", path):
            return self._download(path, sink)

    def _head(self, path: str) -> int | None:
        # HEAD only spares a download; a server that answers it oddly (405, 404, no length)
        # leaves the decision to the download's own headers, which say the real thing.
        response = self._send("HEAD", path)
        try:
            if response.status_code in _RETRIED_HEAD_STATUSES:
                self._check_success(response, "HEAD", path)
            if response.status_code != 200:
                return None
            try:
                return _announced_length(response, "HEAD", path)
            except SignalWireResponseError:
                return None
        finally:
            response.close()

    def _download(self, path: str, sink: MediaSink) -> MediaDownload:
        response = self._send("GET", path)
        try:
            self._check_success(response, "GET", path)
            length = _announced_length(response, "GET", path)
            if not sink.restart(length):
                return MediaDownload(path, length, 0, declined=True)
            received = 0
            for chunk in _chunks(response, self.chunk_size, path, self.settings.origin):
                sink.write(chunk)
                received += len(chunk)
        finally:
            response.close()
        if length is not None and received != length:
            raise SignalWireConnectionError(
                f"SignalWire request GET {path} to {self.settings.origin} failed: the body "
                f"ended after {received} of {length} announced bytes (no complete answer)",
                method="GET",
                path=path,
            )
        return MediaDownload(path, length, received, declined=False)

    def _check_success(self, response: requests.Response, method: str, path: str) -> None:
        if response.status_code == 200:
            return
        failure: SignalWireConnectionError | None = None
        try:
            body = response.raw.read(_ERROR_BODY_BYTES, decode_content=False) or b""
        except TRANSPORT_ERRORS as exc:
            origin = self.settings.origin
            failure = transport_error(exc, method, path, never_sent=False, origin=origin)
        if failure is not None:
            raise failure
        if 200 <= response.status_code < 300:
            raise SignalWireResponseError(
                f"SignalWire answered {response.status_code} to {method} {path} instead of "
                "200 with the media file",
                status_code=response.status_code,
                method=method,
                path=path,
            )
        answer = Answer(response.status_code, response.headers, body, response.reason or "")
        raise error_from_response(answer, method=method, path=path)


def _announced_length(response: requests.Response, method: str, path: str) -> int | None:
    """
    Read ``Content-Length``, or ``None`` for a chunked body (its end marker proves it whole).

    A body with neither could be cut off unnoticed, so it is refused.
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    declared = response.headers.get("Content-Length", "").strip()
    length = header_integer(declared)
    chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
    if encoding not in {"", "identity"}:
        problem = f"Content-Encoding {encoding!r} although identity was asked for"
    elif length is not None:
        return length
    elif chunked and not declared:
        return None
    else:
        problem = (
            f"no valid Content-Length ({declared[:40]!r}) and no chunked encoding, so "
            "completeness cannot be checked"
        )
    raise SignalWireResponseError(
        f"SignalWire answered {response.status_code} to {method} {path} with {problem}",
        status_code=response.status_code,
        method=method,
        path=path,
    )


def _chunks(
    response: requests.Response, chunk_size: int, path: str, origin: str
) -> Iterator[bytes]:
    """Yield the body in chunks; a broken read becomes a transient ``SignalWireConnectionError``."""
    stream = response.raw.stream(chunk_size, decode_content=False)
    while True:
        failure: SignalWireConnectionError | None = None
        try:
            chunk = next(stream, None)
        except TRANSPORT_ERRORS as exc:
            failure = transport_error(exc, "GET", path, never_sent=False, origin=origin)
        if failure is not None:
            raise failure
        if chunk is None:
            return
        yield chunk
