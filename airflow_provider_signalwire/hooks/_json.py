"""
Strict JSON for SignalWire's answers: whatever could choke a parser or a consumer is refused.

``json.loads`` accepts things no API object holds and raises things callers do not expect: a
byte-order mark or UTF-16 (detected silently), duplicate keys (the last one wins), ``NaN`` and
``Infinity``, numbers that overflow to ``inf``, lone surrogates, and ``RecursionError`` for
deep nesting. :func:`loads_strict` refuses all of them (and nesting deeper than
:data:`MAX_DEPTH`) with a ``ValueError``.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: Deepest nesting read; API objects nest three or four levels.
MAX_DEPTH = 64
#: Longest integer literal read; API objects hold counters and durations, never bignums.
MAX_INTEGER_DIGITS = 100


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"duplicate key {duplicate!r}")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} overflows")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"integer of {len(text)} digits")
    return int(text)


def _check_values(data: Any) -> None:
    """Refuse deep nesting and lone surrogates (valid escapes, but no text: encoders fail)."""
    stack = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            item.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
        elif isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            stack.extend((value, depth + 1) for value in item)


def loads_strict(body: bytes) -> Any:
    """
    Parse a body as UTF-8 JSON, refusing what :mod:`json` would accept or choke on.

    :param body: the raw body.
    :raises ValueError: the body is not strictly valid JSON text (the message says why).
    """
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("starts with a byte-order mark")
    text = body.decode("utf-8")  # strict: invalid UTF-8 (and UTF-16) is a UnicodeDecodeError
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise ValueError("nested too deeply") from None
    _check_values(data)
    return data
