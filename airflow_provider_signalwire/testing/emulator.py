"""The public face of the emulator: :class:`SignalWireEmulator`."""

from __future__ import annotations

import ipaddress
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.control import EmulatorControl
from airflow_provider_signalwire.testing.core import EmulatorCore
from airflow_provider_signalwire.testing.server import EmulatorHTTPServer
from airflow_provider_signalwire.testing.store.seed import seeded_sids

if TYPE_CHECKING:
    from datetime import datetime
    from types import TracebackType

    from airflow_provider_signalwire.testing.faults import Fault
    from airflow_provider_signalwire.testing.recorded import RecordedRequest


def is_loopback_host(host: str) -> bool:
    """
    Tell whether ``host`` names the loopback interface (127.0.0.0/8, ::1, localhost).

    :param host: a host name or IP address.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SignalWireEmulator:
    """
    A local, in-memory SignalWire Compatibility API (conference resources) over HTTP.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. All helpers are
    thread-safe and usable before :meth:`start`. Its ``/_emulator`` admin API answers only
    requests whose ``Host`` is its own loopback address and port and that carry no cross-site
    ``Origin`` (403 otherwise), so a web page cannot read recorded messages or inject faults
    (see :mod:`~airflow_provider_signalwire.testing.admin`).

    :param project_id: project ID; the Basic auth user and the only valid AccountSid.
    :param token: API token; the Basic auth password. Never logged or recorded.
    :param host: loopback address to bind; anything else is refused.
    :param port: TCP port; 0 picks a free one (read it back from :attr:`port`).
    :param seed: selects the deterministic SIDs of the seeded conferences and streams.
    :param repeat_stop_status: 200 to answer a repeated stop with the stopped stream, 404 to
        answer it as unknown.
    :param latency: seconds added before every API answer (benchmarks).
    :param verbose: log every request to stderr.
    """

    def __init__(
        self,
        project_id: str = "test-project",
        token: str = "test-token-0123456789",  # noqa: S107 - loopback-only test credential
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        repeat_stop_status: int = 200,
        latency: float = 0.0,
        verbose: bool = False,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the emulator only listens on loopback, not on {host!r}")
        self._control = EmulatorControl(project_id, token, seed, repeat_stop_status, latency)
        self._core = EmulatorCore(self._control, verbose)
        self.host = host
        self._port = port
        self.seed = seed
        self._seeded = seeded_sids(seed)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        """Show where it listens, never the token."""
        return f"SignalWireEmulator(project_id={self.project_id!r}, url={self._url_or_none()!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SignalWireEmulator:
        """Bind and serve in a daemon thread; return ``self``."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = EmulatorHTTPServer((self.host, self._port), self._core)
        self._port = int(server.server_address[1])
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"signalwire-emulator-{self._port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and cancel scheduled changes (idempotent)."""
        self._control.cancel_timers()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SignalWireEmulator:
        """Start the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        self.stop()

    # -- addresses and identity --------------------------------------------------------------

    def _url_or_none(self) -> str | None:
        if self._port == 0:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (no trailing slash)."""
        url = self._url_or_none()
        if url is None:
            raise RuntimeError("the port is not known until the emulator is started")
        return url

    @property
    def port(self) -> int:
        """The TCP port (the real one once started, when constructed with 0)."""
        if self._port == 0:
            raise RuntimeError("the port is not known until the emulator is started")
        return self._port

    @property
    def project_id(self) -> str:
        """The project ID (Basic auth user and AccountSid)."""
        return self._control.project_id

    @property
    def token(self) -> str:
        """The API token (Basic auth password)."""
        return self._control.token

    @property
    def base_path(self) -> str:
        """``/api/laml/2010-04-01/Accounts/<project_id>``."""
        return self._control.store.space.base_path

    @property
    def conference_sids(self) -> list[str]:
        """The seeded conference SIDs, in seed order."""
        return list(self._seeded["conferences"])

    @property
    def stream_sids(self) -> list[str]:
        """The seeded stream SIDs, in seed order."""
        return list(self._seeded["streams"])

    @property
    def demo_conference_sid(self) -> str:
        """The seeded in-progress conference ``demo-conference``."""
        return str(self._seeded["demo_conference_sid"])

    @property
    def demo_stream_sid(self) -> str:
        """The seeded in-progress stream ``demo-stream`` of the demo conference."""
        return str(self._seeded["demo_stream_sid"])

    # -- settings ----------------------------------------------------------------------------

    @property
    def repeat_stop_status(self) -> int:
        """Answer to stopping an already stopped stream: 200 (default) or 404."""
        return self._control.repeat_stop_status

    @repeat_stop_status.setter
    def repeat_stop_status(self, value: int) -> None:
        self._control.repeat_stop_status = value

    @property
    def latency(self) -> float:
        """Seconds slept before every API answer."""
        return self._control.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._control.latency = value

    @property
    def clock_offset(self) -> float:
        """Seconds the server's clock (its dates, its ``Date`` header) is ahead of the real one."""
        return self._control.clock_offset

    @clock_offset.setter
    def clock_offset(self, value: float) -> None:
        self._control.clock_offset = value

    def server_now(self) -> datetime:
        """The emulator's clock now (the real time plus :attr:`clock_offset`), aware UTC."""
        return self._control.store.space.now()

    # -- observation -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the recorded API requests, in arrival order."""
        return self._control.log.snapshot()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._control.log.clear()

    @property
    def stop_counts(self) -> dict[str, int]:
        """Stream SID to the number of stop requests that actually stopped it (0 if none)."""
        return self._control.store.streams.stop_counts

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message sent through ``POST /Messages``, oldest first, as the API answered it."""
        return self._control.store.messages.list()

    @property
    def max_in_flight(self) -> int:
        """The most API requests ever handled at the same time."""
        return self._control.max_in_flight

    def reset_max_in_flight(self) -> None:
        """Restart :attr:`max_in_flight` from the current load."""
        self._control.reset_max_in_flight()

    def state(self) -> dict[str, Any]:
        """Everything the emulator holds, as the admin ``state`` endpoint answers it."""
        return self._control.state()

    def reset(self) -> None:
        """Go back to the freshly seeded state: no recorded requests, faults or timers."""
        self._control.reset()

    # -- faults ------------------------------------------------------------------------------

    def add_fault(self, fault: Fault, times: int = 1) -> None:
        """
        Apply ``fault`` to the next ``times`` matching API requests (queued FIFO).

        :param fault: what to do.
        :param times: how many matching requests it applies to.
        """
        self._control.faults.add(fault, times)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._control.faults.clear()

    # -- state helpers -----------------------------------------------------------------------

    def add_conference(
        self, friendly_name: str = "conference", status: str = "init"
    ) -> dict[str, Any]:
        """
        Create a conference and return its API object.

        :param friendly_name: the conference name.
        :param status: ``init``, ``in-progress`` or ``completed``.
        """
        return self._control.store.conferences.add(friendly_name, status)

    def set_conference_status(
        self, conference_sid: str, status: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """
        Set a conference's status now; ``completed`` also stops its streams.

        :param conference_sid: the conference SID.
        :param status: ``init``, ``in-progress`` or ``completed``.
        :param at: the ``date_updated`` to write instead of now (aware; e.g. an absurd one).
        """
        if at is not None and at.tzinfo is None:
            raise ValueError(f"at must be timezone-aware, got {at!r}")
        return self._control.store.conferences.set_status(conference_sid, status, at)

    def hide_conference(self, conference_sid: str, seconds: float) -> None:
        """
        Leave a conference out of listings (not GET) for ``seconds``, as a busy Space may.

        :param conference_sid: the conference SID.
        :param seconds: how long, in seconds (> 0).
        """
        self._control.store.conferences.hide(conference_sid, seconds)

    def add_stale_copy(self, conference_sid: str, seconds: float) -> None:
        """
        List a copy of the conference as it is now after its fresh self (a lagging replica).

        :param conference_sid: the conference SID.
        :param seconds: how long, in seconds of the emulator's clock (> 0).
        """
        self._control.store.conferences.add_stale_copy(conference_sid, seconds)

    def schedule_conference_status(self, conference_sid: str, status: str, after: float) -> None:
        """
        Set a conference's status ``after`` seconds from now (a daemon timer).

        :param conference_sid: the conference SID.
        :param status: ``init``, ``in-progress`` or ``completed``.
        :param after: delay in seconds.
        """
        self._control.schedule_conference_status(conference_sid, status, after)

    def add_stream(
        self, conference_sid: str, name: str | None = None, status: str = "in-progress"
    ) -> dict[str, Any]:
        """
        Create a stream without the API's checks and return its API object.

        :param conference_sid: the conference SID.
        :param name: optional name.
        :param status: ``queued``, ``in-progress`` or ``stopped``.
        """
        return self._control.store.streams.add(conference_sid, name=name, status=status)

    def get_stream(self, conference_sid: str, stream_sid_or_name: str) -> dict[str, Any] | None:
        """
        Return a stream, or ``None``.

        Besides the API fields the dict holds ``_parameters`` (custom ``ParameterN`` name to
        value) and ``_options`` (``Url``, ``Track``, ... as started; never the bearer token).

        :param conference_sid: the conference SID.
        :param stream_sid_or_name: the stream SID or name.
        """
        return self._control.store.streams.get(conference_sid, stream_sid_or_name)

    def add_participant(
        self,
        conference_sid: str,
        call_sid: str | None = None,
        *,
        muted: bool = False,
        hold: bool = False,
        end_conference_on_exit: bool = False,
    ) -> dict[str, Any]:
        """
        Add a participant and return its API object.

        :param conference_sid: the conference SID.
        :param call_sid: a fixed call SID; random otherwise.
        :param muted: start muted.
        :param hold: start on hold.
        :param end_conference_on_exit: leaving ends the conference.
        """
        return self._control.store.participants.add(
            conference_sid,
            call_sid=call_sid,
            muted=muted,
            hold=hold,
            end_conference_on_exit=end_conference_on_exit,
        )

    def add_recording(
        self,
        conference_sid: str,
        status: str = "in-progress",
        call_sid: str | None = None,
        size: int | None = None,
    ) -> dict[str, Any]:
        """
        Add a recording and return its API object.

        Once ``completed``, its media is served without credentials at
        ``/Accounts/{AccountSid}/Recordings/{Sid}.wav`` and ``.mp3``: ``size`` deterministic
        bytes (:func:`~airflow_provider_signalwire.testing.media.media_bytes`).

        :param conference_sid: the conference SID.
        :param status: ``in-progress``, ``paused``, ``stopped`` or ``completed``.
        :param call_sid: the call it is attributed to, if any.
        :param size: bytes of its media file; 4096 by default.
        """
        store = self._control.store
        checked = store.media.checked_size(size)  # first: a refused size adds no recording
        recording = store.recordings.add(conference_sid, status=status, call_sid=call_sid)
        store.media.set_size(recording["sid"], checked)
        return recording
