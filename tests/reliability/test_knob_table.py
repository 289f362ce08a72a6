"""
Every numeric argument of every public constructor refuses nonsense when the DAG is parsed.

Issue 23, point 3. The constructors and their numeric parameters are found by introspection (every
public class of the provider's hook, operator, sensor, trigger, notifier and transfer modules, and
the Airflow base class arguments a user passes through them, such as a sensor's
``poke_interval``), so a knob added later is tested without anyone listing it here: it must only
be given a kind in :data:`KINDS`, or :func:`test_every_numeric_knob_has_a_kind` fails.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk import BaseHook, BaseNotifier, BaseOperator
from airflow.triggers.base import BaseTrigger

import airflow_provider_signalwire
from airflow_provider_signalwire.exceptions import SignalWireValidationError

#: Packages whose public modules hold the public constructors.
PACKAGES = ("hooks", "operators", "sensors", "triggers", "notifications", "transfers")
#: Airflow's own bases: their arguments are Airflow's business, except those a subclass between
#: them and ours adds (BaseSensorOperator's poke_interval, timeout, max_wait).
AIRFLOW_ROOTS = (BaseOperator, BaseHook, BaseTrigger, BaseNotifier)
NUMERIC_ANNOTATION = re.compile(r"\b(int|float|timedelta)\b")


@dataclass(frozen=True)
class Kind:
    """
    What a kind of knob must refuse, and a value it must accept.

    :param refused: values no knob of the kind may take.
    :param accepted: a sensible value.
    """

    refused: tuple[Any, ...]
    accepted: Any


NONSENSE = (math.nan, math.inf, -math.inf, 10**100, 10**5000, True, "3", None, -1)
COUNT = Kind(refused=(*NONSENSE, 0, 1.5, 2.0, 10**9), accepted=2)
#: A wait between attempts: 0 means "at once" and is fine.
BACKOFF = Kind(refused=(*NONSENSE, 1e300, -0.001, 10**9), accepted=0)
#: A pause between looks or a limit on a wait: 0 is a busy loop, or no time at all.
DURATION = Kind(refused=(*NONSENSE, 0, 0.0, -5, timedelta(0), timedelta(days=-1), 1e300),
                accepted=timedelta(seconds=30))  # fmt: skip
#: A duration that may also be left unset (None means "the default").
OPTIONAL_DURATION = Kind(refused=tuple(v for v in DURATION.refused if v is not None), accepted=30)

#: Every numeric knob by name. A new one must be added here (and so be tested).
KINDS: dict[str, Kind] = {
    "max_attempts": COUNT,
    "max_pages": COUNT,
    "max_concurrency": COUNT,
    "pool_size": COUNT,
    "initial_backoff": BACKOFF,
    "max_backoff": BACKOFF,
    "poll_interval": DURATION,
    "poke_interval": DURATION,
    "timeout": OPTIONAL_DURATION,
    "max_wait": OPTIONAL_DURATION,
}

#: Values for the other arguments a constructor needs.
SAMPLE_ARGUMENTS: dict[str, Any] = {
    "task_id": "knob",
    "conference_sid": "CF0123",
    "stream_sid": "ST0123",
    "call_sid": "CA0123",
    "url": "wss://media.example.com/stream",
    "streams": [],
    "destination": "file:///tmp/signalwire-knobs",
    "to": "+15550100001",
    "body": "knob",
}


def public_classes() -> list[type]:
    """Every class defined in a public module of the provider's user-facing packages."""
    found: list[type] = []
    root = airflow_provider_signalwire.__name__
    for package in PACKAGES:
        module = importlib.import_module(f"{root}.{package}")
        for info in pkgutil.iter_modules(module.__path__):
            if info.name.startswith("_"):
                continue
            loaded = importlib.import_module(f"{root}.{package}.{info.name}")
            for _, cls in inspect.getmembers(loaded, inspect.isclass):
                if (
                    cls.__module__ == loaded.__name__
                    and not cls.__name__.startswith("_")
                    and issubclass(cls, AIRFLOW_ROOTS)
                ):
                    found.append(cls)
    return sorted(set(found), key=lambda cls: cls.__qualname__)


def constructor_parameters(cls: type) -> dict[str, inspect.Parameter]:
    """The ``__init__`` parameters of ``cls`` and its bases up to (not into) Airflow's roots."""
    parameters: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        if klass in AIRFLOW_ROOTS or klass is object:
            break
        if "__init__" not in vars(klass):
            continue
        for name, parameter in inspect.signature(klass.__init__).parameters.items():
            if name != "self" and parameter.kind not in (
                parameter.VAR_KEYWORD,
                parameter.VAR_POSITIONAL,
            ):
                parameters.setdefault(name, parameter)
    return parameters


def is_numeric(parameter: inspect.Parameter) -> bool:
    annotation = parameter.annotation
    text = (
        annotation
        if isinstance(annotation, str)
        else getattr(annotation, "__name__", str(annotation))
    )
    default = parameter.default
    numeric_default = isinstance(default, int | float | timedelta) and not isinstance(default, bool)
    return bool(NUMERIC_ANNOTATION.search(text)) or numeric_default


def numeric_knobs() -> list[tuple[type, str]]:
    return [
        (cls, name)
        for cls in public_classes()
        for name, parameter in constructor_parameters(cls).items()
        if is_numeric(parameter)
    ]


def build(cls: type, **override: Any) -> Any:
    parameters = constructor_parameters(cls)
    arguments = {name: value for name, value in SAMPLE_ARGUMENTS.items() if name in parameters}
    if issubclass(cls, BaseOperator):
        arguments["task_id"] = SAMPLE_ARGUMENTS["task_id"]
    arguments.update(override)
    return cls(**arguments)


def show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**20:
        return f"int{len(str(value)) if value < 10**4000 else 5000}digits"
    return repr(value)


def cases() -> list[Any]:
    params = []
    for cls, name in numeric_knobs():
        kind = KINDS.get(name)
        if kind is None:
            continue  # test_every_numeric_knob_has_a_kind names it
        for value in kind.refused:
            params.append(pytest.param(cls, name, value, id=f"{cls.__name__}-{name}-{show(value)}"))
    return params


def test_the_introspection_finds_the_public_constructors_and_their_knobs() -> None:
    names = {cls.__name__ for cls in public_classes()}
    assert {
        "SignalWireHook",
        "SignalWireAsyncHook",
        "StartConferenceStreamOperator",
        "StopConferenceStreamOperator",
        "StopConferenceStreamsOperator",
        "SignalWireConferenceSensor",
        "ConferenceStatusTrigger",
        "ConferenceEventTrigger",
        "SignalWireNotifier",
        "ConferenceRecordingsToStorageOperator",
    } <= names
    found = {(cls.__name__, name) for cls, name in numeric_knobs()}
    assert {
        ("SignalWireHook", "pool_size"),
        ("SignalWireHook", "timeout"),
        ("SignalWireConferenceSensor", "poke_interval"),
        ("SignalWireConferenceSensor", "max_wait"),
        ("ConferenceStatusTrigger", "poll_interval"),
        ("ConferenceRecordingsToStorageOperator", "max_concurrency"),
        ("StartConferenceStreamOperator", "max_backoff"),
    } <= found


def test_every_numeric_knob_has_a_kind() -> None:
    unknown = sorted(
        {f"{cls.__name__}.{name}" for cls, name in numeric_knobs() if name not in KINDS}
    )
    assert unknown == [], f"give these knobs a kind in KINDS: {unknown}"


@pytest.mark.parametrize(("cls", "name", "value"), cases())
def test_a_nonsensical_knob_is_refused_at_construction(cls: type, name: str, value: Any) -> None:
    with pytest.raises(SignalWireValidationError) as info:
        build(cls, **{name: value})

    assert name in str(info.value)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("cls", "name"),
    [pytest.param(cls, name, id=f"{cls.__name__}-{name}") for cls, name in numeric_knobs()],
)
def test_a_sensible_knob_is_accepted(cls: type, name: str) -> None:
    kind = KINDS[name]
    if (
        kind.accepted is None
        and constructor_parameters(cls)[name].default is inspect.Parameter.empty
    ):
        pytest.skip("required")
    build(cls, **{name: kind.accepted})
