"""
One :class:`SignalWireAsyncHook` per (connection, retry knobs, event loop), shared by triggers.

A triggerer runs up to a thousand triggers in one event loop. If each built its own HTTP client,
each would load the CA bundle (tens of milliseconds of CPU, most of a megabyte) and hold its own
connections. Here the first trigger to ask builds the hook, fetches its connection and builds
its client off the event loop; the others wait for that and share it. The hook is closed when
the last user releases it. Only code running in one event loop shares a hook: a hook's client
belongs to the loop it was built in.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


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
