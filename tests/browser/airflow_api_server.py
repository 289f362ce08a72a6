"""The handle on the API server that ``conftest.airflow_api`` starts (importable by tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import httpx


@dataclass
class AirflowApi:
    """A running ``airflow api-server`` and an authenticated client for its REST API."""

    base_url: str
    client: httpx.Client
    log_path: Path
    version: tuple[int, ...] = ()  #: the server's Airflow version, e.g. ``(3, 3, 2)``

    def at_least(self, *version: int) -> bool:
        """Whether the server's Airflow is this version or newer."""
        return self.version >= version

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's output, for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])
