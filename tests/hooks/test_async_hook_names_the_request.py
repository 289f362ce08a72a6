"""
The async hook names each request in its errors by the method it sent, in capitals.

An answer that is not the object asked for, or an error answer, says ``GET`` or ``POST`` and the
path, as the sync hook does, so a log line points at the very request.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID

from airflow_provider_signalwire.exceptions import SignalWireRequestError, SignalWireResponseError
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.testing import Fault

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

ACCOUNT_PATH = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}"


def run(call: Any) -> Any:
    async def scenario() -> Any:
        async with SignalWireAsyncHook(max_attempts=1) as hook:
            return await call(hook)

    return asyncio.run(scenario())


def test_find_conference_by_sid_refuses_another_conference_naming_the_get(
    signalwire_default: SignalWireEmulator,
) -> None:
    other = {"sid": "CF-other", "status": "completed"}
    signalwire_default.add_fault(Fault(status=200, body=other, path_contains="/Conferences/"))

    with pytest.raises(SignalWireResponseError) as caught:
        run(lambda hook: hook.find_conference(conference_sid="CF-asked"))

    path = f"{ACCOUNT_PATH}/Conferences/CF-asked"
    assert str(caught.value) == (
        f"SignalWire answered GET {path} with another object (sid 'CF-other', asked 'CF-asked')"
    )
    assert (caught.value.method, caught.value.path) == ("GET", path)


def test_a_refused_message_names_the_post(signalwire_default: SignalWireEmulator) -> None:
    signalwire_default.add_fault(Fault(status=400, path_contains="/Messages"))

    with pytest.raises(SignalWireRequestError) as caught:
        run(lambda hook: hook.send_message("+15550100001", body="x", from_number="+15550100999"))

    path = f"{ACCOUNT_PATH}/Messages"
    assert str(caught.value).startswith(f"SignalWire answered 400 Bad Request to POST {path}")
    assert (caught.value.method, caught.value.path) == ("POST", path)


def test_a_refused_listing_names_the_get(signalwire_default: SignalWireEmulator) -> None:
    signalwire_default.add_fault(Fault(status=400, path_contains="/Conferences"))

    async def listing(hook: SignalWireAsyncHook) -> list[Any]:
        return [conference async for conference in hook.list_conferences(status="completed")]

    with pytest.raises(SignalWireRequestError) as caught:
        run(listing)

    path = f"{ACCOUNT_PATH}/Conferences"
    assert str(caught.value).startswith(f"SignalWire answered 400 Bad Request to GET {path}")
    assert (caught.value.method, caught.value.path) == ("GET", path)
