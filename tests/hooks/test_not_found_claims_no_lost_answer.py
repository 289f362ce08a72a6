"""
A ``SignalWireNotFoundError`` claims a lost earlier answer only when told so.

``after_lost_response`` makes a stop or a delete take a 404 as "already done"; an error built
without it (by a caller, or re-raised from a trigger's event by the sensor) is a plain 404.
"""

from __future__ import annotations

from airflow_provider_signalwire.exceptions import SignalWireNotFoundError


def test_a_not_found_error_built_without_the_flag_claims_no_lost_answer() -> None:
    err = SignalWireNotFoundError("gone", status_code=404)

    assert err.after_lost_response is False
    assert err.details()["after_lost_response"] is False


def test_a_not_found_error_rebuilt_from_its_details_keeps_the_flag() -> None:
    told = SignalWireNotFoundError("gone", after_lost_response=True)

    rebuilt = SignalWireNotFoundError("still gone", **told.details())

    assert rebuilt.after_lost_response is True
