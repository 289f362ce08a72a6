"""
Issue 23, points 2 and 6, for both clients over loopback: the hook-level halves (the lead's).

Point 2: a number from the wire (``Content-Length``) is accepted only as ASCII digits of a sane
length, otherwise it is a ``SignalWireResponseError``; a connection extra that is a number out of
bounds is a ``SignalWireValidationError``; no ``ValueError`` or ``OverflowError`` leaves the
package. Point 6: secrets shorter than 5 characters (Airflow's own masking rule) are not scrubbed
from messages, so a toy token like ``T`` cannot garble every error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hostile_server import Answer, Seen, hostile_server
from signalwire_test_support import PROJECT_ID

from airflow_provider_signalwire.exceptions import (
    SignalWireNotFoundError,
    SignalWireResponseError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from sync_and_async_clients import Client

CONFERENCE = {"sid": "CF0123", "status": "in-progress", "friendly_name": "x"}


def odd_length_answer(content_length: str) -> Callable[[Seen], Answer]:
    body = b'{"sid": "CF0123", "status": "in-progress"}'

    def answer(seen: Seen) -> Answer:
        return Answer(
            body=body,
            headers=[("Content-Type", "application/json"), ("Content-Length", content_length)],
            framing="close",
        )

    return answer


#: Odd Content-Length values (the hostile server sends headers as Latin-1), and the clients that
#: still take them: the sync hook reads the header itself with ``str.isdigit``/``int``, so ``²``
#: raises a bare ValueError there, and text is read to the end of the connection as if absent.
ODD_LENGTHS = ["\u00b2", "\u00b9\u00b2\u00b3", "9" * 5000, "-1", "1e2"]


class TestNumbersFromTheWire:
    @pytest.mark.parametrize(
        "content_length",
        [pytest.param(value, id=f"{value[:6]!r}-{len(value)}") for value in ODD_LENGTHS],
    )
    def test_an_odd_content_length_is_a_signalwire_error(
        self,
        make_client: Callable[..., Client],
        content_length: str,
    ) -> None:
        with hostile_server(odd_length_answer(content_length)) as server:
            client = make_client(server.url, max_attempts=3)
            with pytest.raises(SignalWireResponseError) as info:
                client.get_conference("CF0123")
            assert len(server.requests) == 1  # a broken answer, not retried

        assert "invalid Content-Length" in str(info.value)


class TestNumbersFromConnectionExtras:
    @pytest.mark.parametrize(
        "extra",
        [
            pytest.param({"timeout": 10**400}, id="timeout-1e400-int"),
            pytest.param({"connect_timeout": 10**400}, id="connect-timeout-1e400-int"),
            pytest.param({"timeout": "1e400"}, id="timeout-text-inf"),
            pytest.param({"timeout": "nan"}, id="timeout-text-nan"),
            pytest.param({"timeout": -1}, id="timeout-negative"),
        ],
    )
    def test_an_unbounded_extra_is_a_validation_error(
        self,
        make_client: Callable[..., Client],
        emulator: SignalWireEmulator,
        extra: dict[str, Any],
    ) -> None:
        with pytest.raises(SignalWireValidationError) as info:
            make_client(emulator.url, extra=extra).get_conference(emulator.demo_conference_sid)

        assert next(iter(extra)) in str(info.value)
        assert emulator.requests == []


class TestShortSecrets:
    @pytest.mark.parametrize(
        "token",
        [
            pytest.param("T", id="one-character"),
            pytest.param("GET", id="a-word-of-every-message"),
            pytest.param("abcd", id="four-characters"),
        ],
    )
    def test_a_token_under_5_characters_does_not_garble_messages(
        self, make_client: Callable[..., Client], token: str
    ) -> None:
        with SignalWireEmulator(project_id=PROJECT_ID, token=token) as emu:
            client = make_client(emu.url, token=token)
            with pytest.raises(SignalWireNotFoundError) as info:
                client.get_conference("CF-no-such-conference-abcd-T")

        message = str(info.value)
        assert "***" not in message
        assert "GET" in message and "CF-no-such-conference-abcd-T" in message

    def test_a_token_of_5_characters_is_still_scrubbed(
        self, make_client: Callable[..., Client]
    ) -> None:
        token = "Tok5x"

        def echo(seen: Seen) -> Answer:
            body = f'{{"code": 20404, "message": "no conference for token {token}"}}'
            return Answer(status=404, body=body.encode())

        with hostile_server(echo) as server:
            client = make_client(server.url, token=token, max_attempts=1)
            with pytest.raises(SignalWireNotFoundError) as info:
                client.get_conference("CF0123")

        assert token not in str(info.value)
        assert "***" in str(info.value)
