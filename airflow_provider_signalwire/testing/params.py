"""Parsing and validation of query-string and form parameters."""

from __future__ import annotations

import operator
import re
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from airflow_provider_signalwire.testing.responses import ApiError, invalid_parameter, unprocessable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Params = dict[str, list[str]]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOKEN = re.compile(r"^P[AB]")
MAX_INT32 = 2**31 - 1
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def first(params: Params, name: str) -> str | None:
    """
    Return the first value of ``name``, or ``None`` if absent.

    :param params: parsed query string or form.
    :param name: parameter name.
    """
    values = params.get(name)
    return values[0] if values else None


def parse_bool(value: str, name: str, error: Callable[[str], ApiError] = unprocessable) -> bool:
    """
    Parse ``true``/``false`` (any case) or raise ``error``.

    :param value: the raw value.
    :param name: parameter name, for the message.
    :param error: error factory (422 for updates, 400 for list filters).
    """
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise error(f"{name} must be 'true' or 'false', got {value!r}")
    return lowered == "true"


def check_choice(
    value: str | None,
    name: str,
    allowed: Sequence[str],
    error: Callable[[str], ApiError] = unprocessable,
) -> str | None:
    """
    Return ``value`` if it is one of ``allowed`` (or ``None``), else raise ``error``.

    :param value: the raw value or ``None`` when absent.
    :param name: parameter name, for the message.
    :param allowed: the accepted values.
    :param error: error factory.
    """
    if value is not None and value not in allowed:
        raise error(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def parse_date(value: str, name: str) -> date:
    """
    Parse a ``YYYY-MM-DD`` list filter or raise a 400.

    :param value: the raw value.
    :param name: parameter name, for the message.
    """
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_parameter(
            f"{name} must be a date in YYYY-MM-DD format, got {value!r}"
        ) from None


def date_filters(query: Params, field: str) -> list[Callable[[date], bool]]:
    """
    Build the comparisons for ``field``, ``field<`` and ``field>`` (inclusive, by day).

    ``DateCreated<=2024-01-31`` in a query string parses as the key ``DateCreated<``, which is
    why the operators live in the key.

    :param query: parsed query string.
    :param field: ``DateCreated`` or ``DateUpdated``.
    """
    checks: list[Callable[[date], bool]] = []
    for suffix, compare in (("", operator.eq), ("<", operator.le), (">", operator.ge)):
        raw = first(query, field + suffix)
        if raw is not None:
            checks.append(_comparison(compare, parse_date(raw, field + suffix)))
    return checks


def _comparison(compare: Callable[[date, date], bool], bound: date) -> Callable[[date], bool]:
    return lambda day: compare(day, bound)


def page_params(query: Params) -> tuple[int, int, str | None]:
    """
    Return ``(page, page_size, page_token)`` or raise a 400 for out-of-range values.

    A ``PageToken`` must start with ``PA`` (forwards) or ``PB`` (backwards), as the spec says.
    The page URIs the emulator writes carry ``Page`` and a token naming that same page, so a
    client may follow them as they are; given a token alone, its number selects the page.

    :param query: parsed query string.
    """
    raw_size = first(query, "PageSize")
    raw_page = first(query, "Page")
    token = first(query, "PageToken")
    if token is not None and not _TOKEN.match(token):
        raise invalid_parameter(f"PageToken must start with PA or PB, got {token!r}")
    size = _integer(raw_size, DEFAULT_PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid_parameter(f"PageSize must be an integer from 1 to {MAX_PAGE_SIZE}")
    page = _integer(raw_page, 0)
    if raw_page is None and token is not None and token[2:].isdigit():
        page = int(token[2:])
    if not 0 <= page <= MAX_INT32:
        raise invalid_parameter("Page must be a non-negative integer")
    return page, size, token


def _integer(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw) if raw.strip().lstrip("+-").isdigit() else -1
    except ValueError:
        return -1


def paginate(
    items: Sequence[object],
    key: str,
    list_path: str,
    query: Params,
    filter_names: Sequence[str],
) -> dict[str, object]:
    """
    Cut one page out of ``items`` and wrap it in the API's list envelope.

    The envelope holds exactly the spec's fields: the list, ``page``, ``page_size``, ``uri``,
    ``first_page_uri``, ``next_page_uri`` and ``previous_page_uri`` (``null`` at either end).

    :param items: every matching object, already ordered.
    :param key: the list key (``conferences``, ``participants``, ``recordings``).
    :param list_path: the list's path including ``.json``.
    :param query: parsed query string (paging and filters are echoed into the page URIs).
    :param filter_names: filter parameters to carry over to the other pages.
    """
    page, size, token = page_params(query)
    carried = [(name, value) for name in filter_names for value in query.get(name, [])]

    def page_uri(number: int, page_token: str | None) -> str:
        fields: list[tuple[str, object]] = [("Page", number), ("PageSize", size), *carried]
        if page_token:
            fields.append(("PageToken", page_token))
        return f"{list_path}?{urlencode(fields)}"

    start = page * size
    chunk = list(items[start : start + size])
    has_next = start + size < len(items)
    return {
        key: chunk,
        "page": page,
        "page_size": size,
        "uri": page_uri(page, token),
        "first_page_uri": page_uri(0, None),
        "next_page_uri": page_uri(page + 1, f"PA{page + 1}") if has_next else None,
        "previous_page_uri": page_uri(page - 1, f"PB{page - 1}") if page > 0 else None,
    }
