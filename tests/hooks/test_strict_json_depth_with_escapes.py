"""
The nesting limit of strict JSON holds the same in a body that holds an escape.

A body with a backslash (or many brackets) is walked value by value; one without is left to the
parser. Either way a value 64 levels deep is read, and one 65 levels deep is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.hooks._errors import MAX_DEPTH, loads_strict

if TYPE_CHECKING:
    from collections.abc import Callable

#: A string with an escape: the body needs the walk that checks for lone surrogates.
ESCAPED = b'"caf\\u00e9"'


def in_lists(levels: int) -> bytes:
    """``[[...["café"]...]]``: the string sits ``levels`` lists deep."""
    return b"[" * levels + ESCAPED + b"]" * levels


def in_objects(levels: int) -> bytes:
    """``{"k": {"k": ... "café"}}``: the string sits ``levels`` objects deep."""
    return b'{"k":' * levels + ESCAPED + b"}" * levels


def in_lists_and_objects(levels: int) -> bytes:
    """Lists and objects in turn: the string sits ``levels`` deep."""
    body = ESCAPED
    for level in range(levels):
        body = b"[" + body + b"]" if level % 2 == 0 else b'{"k":' + body + b"}"
    return body


NESTINGS: list[Callable[[int], bytes]] = [in_lists, in_objects, in_lists_and_objects]


@pytest.mark.parametrize("nest", NESTINGS, ids=lambda nest: nest.__name__)
def test_an_escaped_value_64_levels_deep_is_read(nest: Callable[[int], bytes]) -> None:
    data = loads_strict(nest(MAX_DEPTH))
    for _ in range(MAX_DEPTH):
        data = data[0] if isinstance(data, list) else data["k"]
    assert data == "café"


@pytest.mark.parametrize("nest", NESTINGS, ids=lambda nest: nest.__name__)
def test_an_escaped_value_65_levels_deep_is_refused(nest: Callable[[int], bytes]) -> None:
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        loads_strict(nest(MAX_DEPTH + 1))
