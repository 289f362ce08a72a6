"""
The sync hook and the async hook behind one interface, so one test case covers both clients.

Each wrapper owns a fake sleep (``client.sleeps.waits`` lists the waits the retries asked for) and
offers the calls both hooks have, as plain blocking calls: the async one runs each call in its own
event loop and closes its HTTP client after it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from signalwire_test_support import AsyncFakeSleep, FakeSleep

from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


class SyncClient:
    """:class:`SignalWireHook` on ``signalwire_default``; ``hook_kwargs`` go to the hook."""

    kind = "sync"

    def __init__(self, **hook_kwargs: Any) -> None:
        self.sleeps = FakeSleep()
        self.hook = SignalWireHook(**hook_kwargs)
        self.hook.transport.sleep = self.sleeps

    def get_conference(self, conference_sid: str) -> dict[str, Any]:
        return self.hook.get_conference(conference_sid)

    def list_conferences(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.hook.list_conferences(**filters))


class AsyncClient:
    """:class:`SignalWireAsyncHook` on ``signalwire_default``; ``hook_kwargs`` go to the hook."""

    kind = "async"

    def __init__(self, **hook_kwargs: Any) -> None:
        self.sleeps = AsyncFakeSleep()
        self.hook = SignalWireAsyncHook(**hook_kwargs)
        self.hook.sleep = self.sleeps  # before the first call, which builds the HTTP client

    def _run(self, call: Callable[[SignalWireAsyncHook], Awaitable[Any]]) -> Any:
        async def once() -> Any:
            async with self.hook:
                return await call(self.hook)

        return asyncio.run(once())

    def get_conference(self, conference_sid: str) -> dict[str, Any]:
        result: dict[str, Any] = self._run(lambda hook: hook.get_conference(conference_sid))
        return result

    def list_conferences(self, **filters: Any) -> list[dict[str, Any]]:
        async def collect(hook: SignalWireAsyncHook) -> list[dict[str, Any]]:
            return [conference async for conference in hook.list_conferences(**filters)]

        result: list[dict[str, Any]] = self._run(collect)
        return result


#: Both clients, by the id their test cases carry.
CLIENTS: dict[str, type[SyncClient | AsyncClient]] = {"sync": SyncClient, "async": AsyncClient}
Client = SyncClient | AsyncClient
