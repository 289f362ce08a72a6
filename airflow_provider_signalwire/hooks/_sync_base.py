"""
The synchronous hook's plumbing: settings, the session, paths, paging, and the connection form.

:class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook` builds its API actions on
this; nothing here knows a particular API action.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireError, SignalWireNotFoundError
from airflow_provider_signalwire.hooks._base import DEFAULT_MAX_PAGES, SignalWireHookBase
from airflow_provider_signalwire.hooks._body import PageTrail, page_items
from airflow_provider_signalwire.hooks._errors import missing_body
from airflow_provider_signalwire.hooks._settings import (
    SignalWireSettings,
    settings_from_airflow_connection,
)
from airflow_provider_signalwire.hooks._urls import account_path, conference_relative_path

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from airflow_provider_signalwire.hooks._transport import SignalWireTransport


class SyncHookBase(SignalWireHookBase):
    """
    The synchronous hook's connection, session and request helpers.

    Its arguments are documented on
    :class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`.
    """

    def __init__(
        self,
        signalwire_conn_id: str = SignalWireHookBase.default_conn_name,
        *,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        pool_size: int = 10,
    ) -> None:
        super().__init__(
            signalwire_conn_id,
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            timeout=timeout,
            max_pages=max_pages,
        )
        self.pool_size = max(1, int(pool_size))
        self._aborted = False

    @cached_property
    def settings(self) -> SignalWireSettings:
        """The validated connection settings; fetched once, and the secrets masked in logs."""
        conn = self.get_connection(self.signalwire_conn_id)
        return settings_from_airflow_connection(
            conn, conn.extra_dejson, conn_id=self.signalwire_conn_id, timeout=self.timeout
        )

    @cached_property
    def transport(self) -> SignalWireTransport:
        """The keep-alive session with retries that every call goes through."""
        from airflow_provider_signalwire.hooks._transport import SignalWireTransport

        settings = self.settings
        if settings.verify is False:
            self.log.warning("TLS certificate verification is OFF for %s", settings.base_url)
        transport = SignalWireTransport(
            settings,
            max_attempts=self.max_attempts,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            pool_size=self.pool_size,
            logger=self.log,
        )
        if self._aborted:
            transport.abort()
        return transport

    def abort(self) -> None:
        """
        Stop for good, as a killed task must (``on_kill``): in-flight requests end now.

        No new request starts afterwards, and every call of this hook fails with
        :class:`~airflow_provider_signalwire.exceptions.SignalWireCancelledError`. Safe to call
        from another thread or a signal handler.
        """
        self._aborted = True
        transport = self.__dict__.get("transport")
        if transport is not None:
            transport.abort()

    def get_conn(self) -> requests.Session:
        """Return the authenticated ``requests.Session`` (Airflow's hook convention)."""
        return self.transport.session

    def close(self) -> None:
        """Close pooled connections; the hook reopens them if used again."""
        if "transport" in self.__dict__:
            self.transport.close()
            del self.__dict__["transport"]

    def _url(self, account_sid: str | None, relative: str) -> tuple[str, str]:
        """
        Return ``(account, path)``: ``relative`` below the account (default: the Project ID).

        Callers build ``relative`` first, so bad input fails before the connection is fetched.
        """
        account = self.settings.project_id if account_sid is None else account_sid
        return account, account_path(account) + relative

    def _path(self, account_sid: str | None, relative: str) -> str:
        return self._url(account_sid, relative)[1]

    def test_connection(self) -> tuple[bool, str]:
        """Check the credentials with one cheap authenticated read (one conference, one page)."""
        try:
            settings = self.settings
            # One attempt: someone is waiting on the UI's Test button.
            page = self.transport.request(
                "GET",
                self._path(None, conference_relative_path(None)),
                params={"PageSize": "1"},
                max_attempts=1,
            )
        except SignalWireError as err:
            return False, str(err)
        found = len((page or {}).get("conferences") or [])
        return (
            True,
            f"Connected to {settings.base_url} as project {settings.project_id} "
            f"({found} conference(s) seen).",
        )

    def _paginate(self, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        following: tuple[str, Any] | None = (path, params)
        trail = PageTrail(self.max_pages)
        while following is not None:
            path, query = following
            trail.visit(path, query)
            items, following = page_items(
                self.transport.request("GET", path, params=query), key, path
            )
            yield from items

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = self.transport.request(method, path, **kwargs)
        if result is None:
            raise missing_body(method, path)
        return result

    def _delete(self, path: str, what: str) -> None:
        try:
            self.transport.request("DELETE", path)
        except SignalWireNotFoundError as err:
            if not err.after_lost_response:
                raise
            self.log.warning(
                "%s was gone after a lost answer to an earlier attempt: taken as done", what
            )
