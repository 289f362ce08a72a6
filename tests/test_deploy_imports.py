"""deploy/'s modules import each other without a cycle (issue 21): shared parts live in one module."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter

from signalwire_test_support import REPO

DEPLOY = REPO / "deploy"


def deploy_imports() -> dict[str, set[str]]:
    """Each deploy module (and the ``local`` command) -> the deploy modules it imports."""
    files = {path.stem: path for path in DEPLOY.glob("*.py")} | {"local": DEPLOY / "local"}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module in files:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name in files}
        graph[name] = imported
    return graph


def test_deploy_modules_import_no_cycle() -> None:
    graph = deploy_imports()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message is the point
        raise AssertionError(f"import cycle in deploy/: {exc.args[1]}") from exc
    assert set(order) == set(graph)


def test_the_checks_share_the_checker_and_not_each_other() -> None:
    graph = deploy_imports()
    for module in ("check_events", "check_triggered"):
        assert "checker" in graph[module]
        assert "check_deploy" not in graph[module]
    assert "check_deploy" not in graph["checker"]
