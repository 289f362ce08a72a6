"""Injected faults: what to break, for which requests, and how many times."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_signalwire.testing.responses import (
    JSON_CONTENT_TYPE,
    Response,
    default_error_body,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

FaultAction = Literal["respond", "drop", "reset", "apply_then_drop", "truncate"]
FAULT_ACTIONS: tuple[str, ...] = ("respond", "drop", "reset", "apply_then_drop", "truncate")


@dataclass(frozen=True)
class Fault:
    """
    A misbehaviour to apply to matching API requests (admin requests are never faulted).

    :param status: status to answer instead of handling the request. ``None`` means "handle
        normally": with ``respond`` the real answer is sent (after ``delay``, with the extra
        headers); with ``truncate`` the real answer is cut off, the state change included.
    :param body: body to send; a dict or list is sent as JSON; ``None`` sends a SignalWire-style
        error body for ``status`` (nothing for 204).
    :param content_type: ``Content-Type`` of ``body``.
    :param headers: extra response headers.
    :param retry_after: value of a ``Retry-After`` header (seconds or an HTTP date).
    :param delay: seconds to wait before acting, to provoke client read timeouts.
    :param action: ``respond`` answers without touching state; ``drop`` closes the connection
        without answering (nothing applied); ``reset`` does the same with a TCP RST;
        ``apply_then_drop`` applies the request, then closes without answering (a lost
        response); ``truncate`` announces a longer body than it sends, then closes.
    :param method: only match this HTTP method.
    :param path_contains: only match requests whose percent-decoded path contains this.
    :param after_bytes: with ``reset`` or ``truncate``: send the real answer's headers and this
        many bytes of its body first, then reset or close the connection (a fault mid-file).
    :param content_length: with ``truncate``: the ``Content-Length`` to announce (default:
        the real length, or more than is sent when ``after_bytes`` is not set).
    """

    status: int | None = None
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    content_type: str = JSON_CONTENT_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_after: str | None = None
    delay: float = 0.0
    action: FaultAction = "respond"
    method: str | None = None
    path_contains: str | None = None
    after_bytes: int | None = None
    content_length: int | None = None

    def __post_init__(self) -> None:
        """Validate early so a typo fails in the test that set the fault up."""
        if self.action not in FAULT_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(FAULT_ACTIONS)}: {self.action!r}")
        if self.after_bytes is not None and (
            self.action not in ("reset", "truncate") or self.after_bytes < 0
        ):
            raise ValueError("after_bytes needs action reset or truncate and must not be negative")
        if self.content_length is not None and (
            self.action != "truncate" or self.content_length < 0
        ):
            raise ValueError("content_length needs action truncate and must not be negative")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status!r}")
        if self.delay < 0:
            raise ValueError(f"delay must not be negative, got {self.delay!r}")

    def matches(self, method: str, path: str) -> bool:
        """
        Tell whether this fault applies to a request.

        :param method: the request's HTTP method.
        :param path: the request's percent-decoded path.
        """
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains is None or self.path_contains in path

    def describe(self) -> str:
        """Name the fault for the request log, e.g. ``respond:503`` or ``drop``."""
        return self.action if self.status is None else f"{self.action}:{self.status}"

    def extra_headers(self) -> tuple[tuple[str, str], ...]:
        """Headers this fault adds to whatever response is sent."""
        extra = tuple(self.headers.items())
        if self.retry_after is not None:
            extra += (("Retry-After", self.retry_after),)
        return extra

    def response(self) -> Response:
        """Render the canned answer; only meaningful when ``status`` is set."""
        status = self.status if self.status is not None else 200
        body = self.body
        if body is None:
            if status == 204:
                return Response(204, b"", None, self.extra_headers())
            body = default_error_body(status) if status >= 400 else {}
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body
        return Response(status, data, self.content_type, self.extra_headers())


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class FaultQueue:
    """Queued faults, consumed first-in first-out by the requests they match."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Pending] = []

    def add(self, fault: Fault, times: int = 1) -> None:
        """
        Queue ``fault`` for the next ``times`` matching requests.

        :param fault: the fault.
        :param times: how many requests it applies to.
        """
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times!r}")
        with self._lock:
            self._entries.append(_Pending(fault, times))

    def take(self, method: str, path: str) -> Fault | None:
        """
        Consume and return the oldest fault matching the request, if any.

        :param method: the request's HTTP method.
        :param path: the request's percent-decoded path.
        """
        with self._lock:
            for entry in self._entries:
                if entry.fault.matches(method, path):
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        self._entries.remove(entry)
                    return entry.fault
        return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._entries.clear()

    def pending(self) -> list[tuple[Fault, int]]:
        """Return the queued faults with their remaining counts."""
        with self._lock:
            return [(entry.fault, entry.remaining) for entry in self._entries]
