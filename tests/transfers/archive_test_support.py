"""Helpers of the archive's behaviour tests: a task instance that counts pushes, the task log, a proxy."""

from __future__ import annotations

import contextlib
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import structlog

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.transfers.recordings import ConferenceRecordingsToStorageOperator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The longest any test waits for an event another thread sets; reached only when a test fails.
WAIT = 10.0


class CountingTaskInstance:
    """Stands in for the task instance: keeps every XCom push, in order."""

    def __init__(self) -> None:
        self.pushes: list[tuple[str, Any]] = []
        self.on_push: Callable[[], None] | None = None

    def xcom_push(self, key: str, value: Any) -> None:
        if self.on_push is not None:
            self.on_push()
        self.pushes.append((key, value))

    @property
    def archived(self) -> Any:
        """The one ``archived`` value pushed (fails if there were more pushes, or none)."""
        [(key, value)] = self.pushes
        assert key == "archived"
        return value


def operator(destination: Any, conference_sid: str, **kwargs: Any) -> Any:
    """The archive operator, with retries that do not wait long."""
    kwargs.setdefault("initial_backoff", 0.01)
    kwargs.setdefault("max_backoff", 0.02)
    return ConferenceRecordingsToStorageOperator(
        task_id="archive", conference_sid=conference_sid, destination=destination, **kwargs
    )


def execute_failing(op: Any, match: str | None = "could not be archived") -> list[dict[str, Any]]:
    """Run the operator, expect the task to fail, return the one ``archived`` XCom it pushed."""
    ti = CountingTaskInstance()
    with pytest.raises(SignalWireError, match=match):
        op.execute({"ti": ti})
    archived: list[dict[str, Any]] = ti.archived
    return archived


@contextlib.contextmanager
def task_log() -> Iterator[list[tuple[str, str]]]:
    """Collect the ``(level, message)`` lines the task logs inside the block."""
    lines: list[tuple[str, str]] = []
    with structlog.testing.capture_logs() as entries:
        yield lines
    for entry in entries:
        message = str(entry["event"])
        args = entry.get("positional_args")
        lines.append((str(entry["log_level"]), message % tuple(args) if args else message))


class Proxy:
    """
    A loopback HTTP proxy in front of the emulator that records each request as it arrives.

    ``hold`` names the requests to keep waiting: such a request sets :attr:`held` and is answered
    only once :attr:`release` is set (or the proxy stops). ``rewrite`` turns a request path into
    the emulator's (another account's path into the emulator's own one, say).
    """

    def __init__(
        self,
        upstream: str,
        *,
        hold: Callable[[str, str], bool] = lambda method, path: False,
        rewrite: Callable[[str], str] = lambda path: path,
    ) -> None:
        self.seen: list[tuple[str, str]] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.closing = False
        target = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._relay()

            def do_HEAD(self) -> None:
                self._relay()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _relay(self) -> None:
                proxy.seen.append((self.command, self.path))
                if hold(self.command, self.path):
                    proxy.held.set()
                    proxy.release.wait(WAIT)
                    if proxy.closing:  # the test is over: the emulator may be gone too
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_conn = http.client.HTTPConnection(
                    target.hostname or "127.0.0.1", target.port
                )
                try:
                    upstream_conn.request(self.command, rewrite(self.path), headers=headers)
                    answer = upstream_conn.getresponse()
                    body = answer.read()
                finally:
                    upstream_conn.close()
                with contextlib.suppress(OSError):
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in {
                            "connection",
                            "transfer-encoding",
                            "date",
                            "server",
                        }:
                            self.send_header(name, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing = True
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(WAIT)

    def paths(self, method: str) -> list[str]:
        """The paths of the requests with ``method``, in the order they arrived."""
        return [path for seen_method, path in self.seen if seen_method == method]


def memory_dataset(bucket: str, key: str) -> tuple[str, str]:
    """
    The ``(namespace, name)`` Airflow gives ``memory://{bucket}/{key}``.

    Airflow 3.2 and later read ``bucket`` as the bucket; 3.1 knows no buckets in ``memory://``
    and keeps it in the key.
    """
    from airflow.sdk import ObjectStoragePath

    if str(ObjectStoragePath("memory://b/k")).startswith("memory://b/"):
        return f"memory://{bucket}", key
    return "memory", f"{bucket}/{key}"
