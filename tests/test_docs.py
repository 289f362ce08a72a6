"""
The documentation's promises that a build cannot check: the README stays a front page, its
minimal DAG runs against the emulator's seeded SIDs, every example DAG a page includes runs end
to end in this suite, the API reference covers every public module, the documented connection
URI works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import REPO, connection_json

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

DOCS = REPO / "docs"
README = REPO / "README.md"
INCLUDE = re.compile(r"```\{literalinclude\}\s+(\S+)")
PUBLIC_MODULES = {
    "airflow_provider_signalwire.hooks.signalwire",
    "airflow_provider_signalwire.hooks.async_signalwire",
    "airflow_provider_signalwire.operators.conference",
    "airflow_provider_signalwire.sensors.conference",
    "airflow_provider_signalwire.triggers.conference",
    "airflow_provider_signalwire.notifications.signalwire",
    "airflow_provider_signalwire.transfers.recordings",
    "airflow_provider_signalwire.exceptions",
    "airflow_provider_signalwire.testing",
}


def pages() -> list[Path]:
    return sorted(path for path in DOCS.rglob("*.md") if "_build" not in path.parts)


def included_files() -> set[Path]:
    """Every file a docs page includes with ``literalinclude``, resolved."""
    return {
        (page.parent / target).resolve()
        for page in pages()
        for target in INCLUDE.findall(page.read_text())
    }


def dag_id_of(dag_file: Path) -> str:
    [dag_id] = re.findall(r'dag_id="([^"]+)"', dag_file.read_text())
    return dag_id


def end_to_end_tests() -> dict[str, str]:
    """Test file -> its text, for the test files that run ``airflow dags test``."""
    found = {}
    for path in (REPO / "tests").rglob("test_*.py"):
        text = path.read_text()
        if '"dags", "test"' in text:
            found[str(path.relative_to(REPO))] = text
    return found


def test_readme_is_a_front_page_of_at_most_250_lines() -> None:
    assert len(README.read_text().splitlines()) <= 250


def test_every_included_file_exists_and_dag_examples_come_from_dags() -> None:
    included = included_files()
    assert included, "no page includes an example"
    assert all(path.is_file() for path in included), sorted(map(str, included))
    allowed = {REPO / "dags", REPO / "tests"}
    assert all(allowed & set(path.parents) for path in included)


def test_every_example_dag_is_in_the_docs() -> None:
    assert set((REPO / "dags").glob("*.py")) <= included_files()


@pytest.mark.parametrize("dag_file", sorted((REPO / "dags").glob("*.py")), ids=lambda p: p.name)
def test_every_included_dag_runs_end_to_end_in_the_suite(dag_file: Path) -> None:
    if dag_file not in included_files():
        pytest.skip(f"{dag_file.name} is not included by a docs page")
    dag_id = dag_id_of(dag_file)
    runners = [name for name, text in end_to_end_tests().items() if dag_id in text]
    assert runners, f"no test runs `airflow dags test` for {dag_id} ({dag_file.name})"


def test_the_api_reference_covers_every_public_module() -> None:
    documented = set(re.findall(r"\.\. automodule:: (\S+)", (DOCS / "api.md").read_text()))
    assert documented == PUBLIC_MODULES


def test_the_documented_connection_uri_is_read_as_the_page_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    [uri] = re.findall(
        r"AIRFLOW_CONN_SIGNALWIRE_DEFAULT='(signalwire://[^']+)'",
        (DOCS / "connection.md").read_text(),
    )
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", uri)
    settings = SignalWireHook().settings
    assert settings.base_url == "https://example.signalwire.com"
    assert settings.project_id == "b3877c40-da60-4998-90ad-b792e98472af"
    assert (settings.read_timeout, settings.connect_timeout) == (30.0, 10.0)
    assert settings.verify is True
    assert settings.from_number == "+15550100999"


@pytest.mark.integration
def test_the_readme_minimal_dag_runs_against_the_seeded_sids(
    airflow_db: Path, emulator: SignalWireEmulator, tmp_path: Path
) -> None:
    text = README.read_text()
    section = text.split("## A minimal DAG", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "stop_stream.py").write_text(code)
    env = os.environ.copy()
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(tmp_path),
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emulator.url),
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "stop_stream"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "stream_status = stopped" in output
    stopped = {sid: count for sid, count in emulator.stop_counts.items() if count}
    assert stopped == {emulator.demo_stream_sid: 1}
