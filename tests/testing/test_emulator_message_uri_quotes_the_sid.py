"""
A message's ``uri`` quotes its SID whole, as every other resource of the emulator does.

The store makes UUID SIDs, which need no quoting; a record with a ``/`` in its SID still
renders under one path segment (``%2F``), never as a deeper path.
"""

from __future__ import annotations

from datetime import datetime, timezone

from airflow_provider_signalwire.testing.store import Store
from airflow_provider_signalwire.testing.store.messages import Message

BASE = "/api/laml/2010-04-01/Accounts/proj"


def test_a_message_uri_quotes_a_slash_in_its_sid() -> None:
    store = Store("proj")
    record = Message(
        "MM/1", "+1555", "+1666", "hi", [], None, datetime(2030, 1, 1, tzinfo=timezone.utc)
    )

    rendered = store.messages.render(record)

    assert rendered["sid"] == "MM/1"
    assert rendered["uri"] == f"{BASE}/Messages/MM%2F1.json"
    assert rendered["subresource_uris"] == {"media": f"{BASE}/Messages/MM%2F1/Media.json"}
