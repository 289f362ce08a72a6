"""
The asynchronous SignalWire hook, for triggers: the same calls as the sync hook, awaited.

It fetches its connection with Airflow's async connection API, builds its HTTP client off the
event loop, and shares every rule (paths, fields, paging, errors, retries, settings) with
:class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`.

A triggerer runs up to a thousand triggers in one event loop. If each built its own HTTP client,
each would load the CA bundle (tens of milliseconds of CPU, most of a megabyte) and hold its own
connections. :func:`shared_hook` lends one hook per (connection, retry knobs, event loop): the
first trigger to ask builds it, fetches its connection and builds its client off the event loop;
the others wait for that and share it. The hook is closed when the last user releases it. Only
code running in one event loop shares a hook: a hook's client belongs to the loop it was built in.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire._compat import AirflowNotFoundException
from airflow_provider_signalwire.exceptions import SignalWireNotFoundError
from airflow_provider_signalwire.hooks._api import (
    MESSAGES_RELATIVE_PATH,
    PageTrail,
    account_path,
    api_fields,
    checked_conference,
    conference_relative_path,
    page_items,
)
from airflow_provider_signalwire.hooks._conferences import (
    check_conference_filters,
    name_lookup_filters,
    newest_conference,
    unknown_conference,
)
from airflow_provider_signalwire.hooks._connection import (
    SignalWireHookBase,
    connection_not_found,
    settings_from_airflow_connection,
)
from airflow_provider_signalwire.hooks._errors import missing_body
from airflow_provider_signalwire.hooks._messages import draft_message
from airflow_provider_signalwire.hooks._retry import CREATE
from airflow_provider_signalwire.hooks._wire import AsyncSignalWireClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
    from datetime import datetime

    from airflow_provider_signalwire.hooks._connection import SignalWireSettings

__all__ = ["AsyncSignalWireClient", "HookKey", "SignalWireAsyncHook", "shared_hook"]


class SignalWireAsyncHook(SignalWireHookBase):
    """
    Talk to SignalWire's Compatibility API from async code (triggers), one connection per hook.

    Nothing is looked up or sent until the first call. Use it as an async context manager, or
    call :meth:`aclose` when done. Retries and errors are those of the sync hook.

    :param signalwire_conn_id: id of a connection of type ``signalwire``.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait in seconds (a server-asked wait is not capped).
    :param timeout: read timeout in seconds, a deadline for each attempt's whole answer;
        overrides the connection's ``timeout`` extra.
    :param max_pages: most pages one listing reads (default 1000); a page read twice ends a
        listing too.
    """

    _settings: SignalWireSettings | None = None
    _client: AsyncSignalWireClient | None = None
    #: How the client waits between attempts; tests replace it before the first call.
    sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)

    async def get_settings(self) -> SignalWireSettings:
        """Fetch and validate the connection once, without blocking the event loop."""
        if self._settings is None:
            try:
                conn = await self.aget_connection(self.signalwire_conn_id)
            except AirflowNotFoundException:
                raise connection_not_found(self.signalwire_conn_id) from None
            aextra = getattr(conn, "aextra_dejson", None)
            extra = await aextra() if aextra is not None else conn.extra_dejson
            self._settings = settings_from_airflow_connection(
                conn, extra, conn_id=self.signalwire_conn_id, timeout=self.timeout
            )
        return self._settings

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials fetched so far (token and derived values), to scrub from output."""
        return self._settings.secrets if self._settings is not None else ()

    async def get_client(self) -> AsyncSignalWireClient:
        """Return the HTTP client with retries, built (off the event loop) on first use."""
        if self._client is None:
            client = AsyncSignalWireClient(
                await self.get_settings(),
                max_attempts=self.max_attempts,
                initial_backoff=self.initial_backoff,
                max_backoff=self.max_backoff,
                logger=self.log,
                sleep=self.sleep,
            )
            self._client = await client.__aenter__()
        return self._client

    def server_now(self) -> datetime | None:
        """
        SignalWire's clock now, read from the ``Date`` header of the latest answer.

        Up to a second behind (the header has whole seconds); ``None`` before the first answer.
        """
        return None if self._client is None else self._client.server_now()

    async def aclose(self) -> None:
        """Close the pooled connections; the hook reopens them if used again."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> SignalWireAsyncHook:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _url(self, account_sid: str | None, relative: str) -> tuple[str, str]:
        account = (await self.get_settings()).project_id if account_sid is None else account_sid
        return account, account_path(account) + relative

    async def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = await (await self.get_client()).request(method, path, **kwargs)
        if result is None:
            raise missing_body(method, path)
        return result

    # -- conferences -------------------------------------------------------------------------

    async def get_conference(
        self, conference_sid: str, *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """
        Fetch one conference.

        :param conference_sid: the conference.
        :param account_sid: defaults to the connection's Project ID.
        """
        relative = conference_relative_path(conference_sid)
        path = (await self._url(account_sid, relative))[1]
        return checked_conference(await self._object("GET", path), conference_sid, "GET", path)

    async def list_conferences(
        self, *, account_sid: str | None = None, **filters: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """
        Iterate over conferences, following ``next_page_uri`` to the last page.

        :param account_sid: account to list; defaults to the connection's Project ID.
        :param filters: the filters of :meth:`SignalWireHook.list_conferences
            <airflow_provider_signalwire.hooks.signalwire.SignalWireHook.list_conferences>`.
        """
        check_conference_filters(filters)
        query: list[tuple[str, str]] = list(api_fields(**filters).items())
        _, path = await self._url(account_sid, conference_relative_path(None))
        client = await self.get_client()
        following: tuple[str, list[tuple[str, str]]] | None = (path, query)
        trail = PageTrail(self.max_pages)
        while following is not None:
            path, query = following
            trail.visit(path, query)
            page = await client.request("GET", path, params=tuple(query))
            items, following = page_items(page, "conferences", path)
            del page
            for item in items:
                yield item
            del items  # a busy account's page is freed before the next one is fetched

    async def find_conference(
        self,
        *,
        conference_sid: str | None = None,
        friendly_name: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any] | None:
        """Awaitable :meth:`SignalWireHook.find_conference`, with the same arguments and result."""
        if conference_sid is None:
            name = str(friendly_name)
            listed = self.list_conferences(account_sid=account_sid, **name_lookup_filters(name))
            return newest_conference([conference async for conference in listed], name)
        account, path = await self._url(account_sid, conference_relative_path(conference_sid))
        try:
            return checked_conference(await self._object("GET", path), conference_sid, "GET", path)
        except SignalWireNotFoundError as err:
            failure = unknown_conference(err, conference_sid, account)
        raise failure

    # -- messages ----------------------------------------------------------------------------

    async def send_message(
        self,
        to: str,
        *,
        body: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        media_url: str | Sequence[str] | None = None,
        status_callback: str | None = None,
        account_sid: str | None = None,
    ) -> dict[str, Any]:
        """
        Send an SMS or MMS: the awaitable twin of the sync hook's ``send_message``.

        The same arguments, checks and retries (see :meth:`SignalWireHook.send_message
        <airflow_provider_signalwire.hooks.signalwire.SignalWireHook.send_message>`): a retry
        never sends a second text.
        """
        draft = draft_message(
            to, body, from_number, messaging_service_sid, media_url, status_callback
        )
        _, path = await self._url(account_sid, MESSAGES_RELATIVE_PATH)
        form = draft.form((await self.get_settings()).from_number)
        return await self._object("POST", path, data=form, policy=CREATE)


# -- one hook per connection and event loop, shared by triggers ---------------------------------


@dataclass(frozen=True)
class HookKey:
    """
    What makes two triggers able to share a hook: the connection and the retry knobs.

    :param conn_id: the ``signalwire`` connection.
    :param max_attempts: requests per call, the first one included.
    :param initial_backoff: seconds before the second attempt.
    :param max_backoff: cap of the exponential wait in seconds.
    """

    conn_id: str
    max_attempts: int = 5
    initial_backoff: float = 1.0
    max_backoff: float = 30.0


@dataclass(eq=False)
class _Lease:
    hook: SignalWireAsyncHook
    ready: asyncio.Task[None]
    users: int = field(default=0)


_LEASES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[HookKey, _Lease]] = (
    weakref.WeakKeyDictionary()
)


def _leases() -> dict[HookKey, _Lease]:
    return _LEASES.setdefault(asyncio.get_running_loop(), {})


async def _prepare(hook: SignalWireAsyncHook) -> None:
    """Fetch the connection and build the client (the client is built off the event loop)."""
    await hook.get_settings()
    await hook.get_client()


@contextlib.asynccontextmanager
async def shared_hook(key: HookKey) -> AsyncIterator[SignalWireAsyncHook]:
    """
    Lend the loop's shared hook for ``key``, ready to use; return it when the block ends.

    :param key: connection and retry knobs.
    :raises SignalWireError: the connection is missing or invalid (every waiting user sees it).
    """
    leases = _leases()
    lease = leases.get(key)
    if lease is None:
        hook = SignalWireAsyncHook(
            key.conn_id,
            max_attempts=key.max_attempts,
            initial_backoff=key.initial_backoff,
            max_backoff=key.max_backoff,
        )
        lease = _Lease(hook, asyncio.get_running_loop().create_task(_prepare(hook)))
        leases[key] = lease
    lease.users += 1
    try:
        # Shielded: one user giving up must not cancel the others' preparation.
        await asyncio.shield(lease.ready)
        yield lease.hook
    finally:
        lease.users -= 1
        if lease.users == 0:
            if leases.get(key) is lease:
                del leases[key]
            if not lease.ready.done():
                lease.ready.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await lease.ready
            await lease.hook.aclose()


def open_hooks() -> int:
    """How many shared hooks the running event loop holds (for tests and benchmarks)."""
    return len(_leases())
