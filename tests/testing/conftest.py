from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import requests

# Re-exported rather than listed in pytest_plugins: the installed provider also registers the
# plugin as a pytest11 entry point, and registering one module twice is an error.
from airflow_provider_signalwire.testing.pytest_plugin import signalwire_emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_signalwire.testing import SignalWireEmulator

__all__ = ["signalwire_emulator"]


@dataclass
class Api:
    """A requests session pointed at the emulator's account, authenticated."""

    emu: SignalWireEmulator
    session: requests.Session

    @property
    def base(self) -> str:
        return self.emu.url + self.emu.base_path

    def conference(self, sid: str | None = None) -> str:
        return f"{self.base}/Conferences/{sid or self.emu.demo_conference_sid}"

    def stream(self, sid: str | None = None, conference: str | None = None) -> str:
        return f"{self.conference(conference)}/Streams/{sid or self.emu.demo_stream_sid}"

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(url, timeout=5, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(url, timeout=5, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.delete(url, timeout=5, **kwargs)


@pytest.fixture
def api(signalwire_emulator: SignalWireEmulator) -> Iterator[Api]:
    with requests.Session() as session:
        session.auth = (signalwire_emulator.project_id, signalwire_emulator.token)
        yield Api(signalwire_emulator, session)
