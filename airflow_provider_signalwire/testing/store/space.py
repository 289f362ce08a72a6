"""What every resource store shares: the lock, the project's API paths, time and errors."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Callable

JSONDict = dict[str, Any]
API_VERSION = "2010-04-01"


class UnknownResourceError(LookupError):
    """A conference, participant, recording or stream that does not exist."""


class ConflictError(ValueError):
    """A well-formed request that the current state forbids (answered 422)."""


def now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def rfc2822(moment: datetime) -> str:
    """
    Format ``moment`` the way the API does (``Tue, 25 Sep 2018 20:00:00 GMT``).

    :param moment: an aware datetime.
    """
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """
    Raise ``ValueError`` unless ``value`` is one of ``allowed`` (helper arguments, not API input).

    :param name: argument name, for the message.
    :param value: the value given.
    :param allowed: the accepted values.
    """
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


class Space:
    """
    The emulated project: one re-entrant lock for every store, and the API paths.

    Each resource store takes this lock in every public method, so each call is atomic, and
    returns rendered API objects (fresh dicts), never its live records.

    :param project_id: the project (AccountSid) that owns everything.
    :param clock_offset: how far the server's clock is ahead of the real one (behind if
        negative): every date it writes, and its ``Date`` header, are read from that clock.
    """

    def __init__(self, project_id: str, clock_offset: timedelta = timedelta(0)) -> None:
        self.project_id = project_id
        self.clock_offset = clock_offset
        self.base_path = f"/api/laml/{API_VERSION}/Accounts/{quote(project_id, safe='')}"
        self.lock = threading.RLock()
        self._completion_listeners: list[Callable[[str, datetime], None]] = []

    def now(self) -> datetime:
        """Return the server's clock: the real time plus :attr:`clock_offset`."""
        return now() + self.clock_offset

    def conference_uri(self, sid: str) -> str:
        """
        Return the API path of a conference, without the ``.json`` suffix.

        :param sid: the conference SID.
        """
        return f"{self.base_path}/Conferences/{quote(sid, safe='')}"

    def on_conference_completed(self, listener: Callable[[str, datetime], None]) -> None:
        """
        Register a sub-resource store's reaction to a conference ending.

        :param listener: called under the lock with the conference SID and the moment.
        """
        self._completion_listeners.append(listener)

    def conference_completed(self, sid: str, moment: datetime) -> None:
        """
        Tell every registered store that a conference ended (call it under the lock).

        :param sid: the conference SID.
        :param moment: when it ended.
        """
        for listener in self._completion_listeners:
            listener(sid, moment)
