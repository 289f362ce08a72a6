"""Fixtures of the reliability suite: hooks with fake sleeps, either client, a second host, logs."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from signalwire_test_support import PROJECT_ID, TOKEN, FakeSleep, connection_json
from sync_and_async_clients import CLIENTS, Client

from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Hypothesis profiles: "fast" (the default, CI) and "full" (10,000 examples per property), chosen
# with HYPOTHESIS_PROFILE=full scripts/test tests/reliability.
settings.register_profile(
    "fast",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("full", parent=settings.get_profile("fast"), max_examples=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture
def sleeps() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def make_hook(monkeypatch: pytest.MonkeyPatch, sleeps: FakeSleep) -> Callable[..., SignalWireHook]:
    """Build a hook on a ``signalwire_default`` connection to ``url``; it never sleeps for real."""

    def make(
        url: str, *, extra: dict[str, Any] | None = None, token: str = TOKEN, **kwargs: Any
    ) -> SignalWireHook:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url, token=token, **(extra or {}))
        )
        hook = SignalWireHook(**kwargs)
        hook.transport.sleep = sleeps
        return hook

    return make


@pytest.fixture(params=list(CLIENTS))
def make_client(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Client]:
    """
    Build the sync or the async hook on a ``signalwire_default`` connection to ``url``.

    Every test that asks for it runs once per client (ids ``sync`` and ``async``). The client
    never sleeps for real: ``client.sleeps.waits`` lists what its retries asked for.
    """

    def make(
        url: str, *, extra: dict[str, Any] | None = None, token: str = TOKEN, **hook_kwargs: Any
    ) -> Client:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url, token=token, **(extra or {}))
        )
        return CLIENTS[request.param](**hook_kwargs)

    return make


@pytest.fixture
def other_host() -> Iterator[SignalWireEmulator]:
    """A second emulator, standing for a host a redirect points at; it must get nothing."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        yield emu


class ListHandler(logging.Handler):
    """Keeps every formatted record, whatever its level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, level: int = logging.DEBUG) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def urllib3_log() -> Iterator[ListHandler]:
    """Capture urllib3's own logging at DEBUG, which is where connection churn shows."""
    logger = logging.getLogger("urllib3")
    handler = ListHandler()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
