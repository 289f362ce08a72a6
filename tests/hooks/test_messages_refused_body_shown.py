"""A refused body is shown in the error as it was given, whatever the reason it is refused for."""

from __future__ import annotations

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._messages import draft_message

ALICE, SENDER = "+15550100001", "+15550100999"
NO_CONTENT = "a message needs a body, a media_url or both"


@pytest.mark.parametrize(
    ("body", "shown", "reason"),
    [
        pytest.param("a\ud800", r"'a\ud800'", "lone surrogates cannot be sent", id="surrogate"),
        pytest.param("\udfff", r"'\udfff'", "lone surrogates cannot be sent", id="surrogate-alone"),
        pytest.param("", "''", NO_CONTENT, id="empty"),
        pytest.param(None, "None", NO_CONTENT, id="none"),
    ],
)
def test_a_refused_body_is_shown_as_given(body: str | None, shown: str, reason: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        draft_message(ALICE, body, from_number=SENDER)
    assert str(caught.value) == f"Invalid body {shown}: {reason}."
