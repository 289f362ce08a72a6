"""
The admin guard of an emulator served on an IPv6 address with hex letters.

The socket reports such an address in lower case (``::ffff:127.0.0.1``), and the ``Host`` and
``Origin`` headers are compared lower-cased, so the allowed hosts are lower case too.
"""

from __future__ import annotations

from airflow_provider_signalwire.testing.admin import admin_refusal, allowed_hosts

ADDRESS = ("::ffff:127.0.0.1", 8765, 0, 0)


def test_the_allowed_hosts_of_a_hex_address_are_lower_case() -> None:
    assert allowed_hosts(ADDRESS) == {"[::ffff:127.0.0.1]:8765", "localhost:8765"}


def test_a_hex_address_is_served_under_its_own_host_in_any_case() -> None:
    for host in ("[::ffff:127.0.0.1]:8765", "[::FFFF:127.0.0.1]:8765"):
        assert admin_refusal([host], [], None, ADDRESS) is None
        assert admin_refusal([host], [f"http://{host}"], None, ADDRESS) is None
