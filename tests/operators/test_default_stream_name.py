"""The stream Name a StartConferenceStreamOperator derives from its task instance (issue 23.7)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_signalwire.operators.conference import default_stream_name


def ti(**change: Any) -> dict[str, Any]:
    identity = {"dag_id": "calls", "task_id": "start", "run_id": "manual__1", "map_index": -1}
    identity.update(change)
    return {"ti": SimpleNamespace(**identity)}


def test_the_same_task_instance_gets_the_same_name_in_every_try() -> None:
    assert default_stream_name(ti()) == default_stream_name(ti(try_number=3))
    assert default_stream_name(ti()) == default_stream_name(ti())


@pytest.mark.parametrize(
    "change",
    [{"dag_id": "other"}, {"task_id": "other"}, {"run_id": "manual__2"}, {"map_index": 0}],
)
def test_each_part_of_the_identity_changes_the_name(change: dict[str, Any]) -> None:
    assert default_stream_name(ti(**change)) != default_stream_name(ti())


def test_parts_cannot_be_shuffled_into_the_same_name() -> None:
    assert default_stream_name(ti(dag_id="a.b", task_id="c")) != default_stream_name(
        ti(dag_id="a", task_id="b.c")
    )


def test_the_name_is_readable_short_and_url_safe() -> None:
    name = default_stream_name(ti(dag_id="d" * 250, task_id="t/é x", run_id="r" * 250))

    assert name is not None
    assert re.fullmatch(r"airflow-[A-Za-z0-9_.-]{1,80}-[0-9a-f]{20}", name)
    assert default_stream_name(ti(dag_id="calls")) == default_stream_name(ti())
    assert (default_stream_name(ti()) or "").startswith("airflow-calls.start-")


@pytest.mark.parametrize("context", [{}, {"ti": SimpleNamespace()}, ti(run_id=None)])
def test_without_a_task_instance_there_is_no_name(context: dict[str, Any]) -> None:
    assert default_stream_name(context) is None
