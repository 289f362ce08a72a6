"""Helpers of the contract tests: call an operation by name, and judge its answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from contract_schemas import errors_of
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.testing import seeded_sids

if TYPE_CHECKING:
    from contract_operations import Operation

    from airflow_provider_signalwire.testing import SignalWireEmulator

#: A UUID no seeded object has.
UNKNOWN_SID = "00000000-0000-4000-8000-00000000dead"


@dataclass
class Api:
    """Calls the emulated operations by name; checks nothing by itself."""

    emu: SignalWireEmulator
    session: requests.Session = field(default_factory=requests.Session)

    def ids(self, **overrides: str) -> dict[str, str]:
        """The seeded demo conference's SIDs (fixed by the seed), for the path placeholders."""
        seeded = seeded_sids(self.emu.seed)
        ids = {
            "conference": seeded["demo_conference_sid"],
            "participant": seeded["participants"][0],
            "recording": seeded["recordings"][0],
            "stream": seeded["demo_stream_sid"],
        }
        ids.update(overrides)
        return ids

    def url(self, path: str, **ids: str) -> str:
        return f"{self.emu.url}{self.emu.base_path}{path.format(**self.ids(**ids))}"

    def call(
        self,
        op: Operation,
        *,
        ids: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
        json_body: Any = None,
        raw: tuple[str, bytes] | None = None,
        auth: tuple[str, str] | None = (PROJECT_ID, TOKEN),
    ) -> requests.Response:
        """
        Send one request of ``op``.

        :param op: the operation.
        :param ids: path placeholders to replace (default: the seeded demo conference's).
        :param query: query string.
        :param form: form body.
        :param json_body: JSON body.
        :param raw: ``(content type, bytes)`` body.
        :param auth: Basic credentials, or ``None`` for none.
        """
        headers = {"Content-Type": raw[0]} if raw else {}
        return self.session.request(
            op.method,
            self.url(op.path, **(ids or {})),
            params=query,
            data=raw[1] if raw else form,
            json=json_body,
            headers=headers,
            auth=auth,
            timeout=10,
        )


def violations(op: Operation, response: requests.Response) -> list[str]:
    """
    Everything wrong with ``response`` as an answer of ``op`` (empty when it conforms).

    :param op: the operation that was called.
    :param response: its answer.
    """
    status = response.status_code
    if status not in op.statuses | {405, 415}:
        return [f"{op.name}: status {status} is not documented ({sorted(op.statuses)})"]
    if status == 204:
        return [] if response.content == b"" else [f"{op.name}: 204 with a body"]
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return [f"{op.name}: {status} is not JSON: {response.headers.get('Content-Type')}"]
    schema = op.schema(status)
    assert schema is not None
    try:
        body = json.loads(response.content)
    except ValueError:
        return [f"{op.name}: {status} body is not JSON: {response.content[:80]!r}"]
    problems = [f"{op.name} {status}: {e}" for e in errors_of(schema, body)]
    error_fields = {"code", "message", "more_info", "status"}
    if isinstance(body, dict) and set(body) == error_fields and body["status"] != status:
        problems.append(f"{op.name}: body status {body['status']} under HTTP {status}")
    if status == 405 and not response.headers.get("Allow"):
        problems.append(f"{op.name}: 405 without Allow")
    return problems
