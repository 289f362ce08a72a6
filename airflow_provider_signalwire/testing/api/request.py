"""The API request as the resource handlers see it, and helpers they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_signalwire.testing.api.fields import check_body
from airflow_provider_signalwire.testing.params import Params, first, paginate
from airflow_provider_signalwire.testing.responses import (
    ApiError,
    Response,
    json_response,
    method_not_allowed,
    no_content,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from airflow_provider_signalwire.testing.api.fields import BodySpec
    from airflow_provider_signalwire.testing.store import Store


@dataclass(frozen=True)
class ApiRequest:
    """
    An authenticated API request, reduced to what the handlers need.

    :param method: HTTP method.
    :param path: the raw request path (no query), echoed in 404 messages.
    :param segments: percent-decoded path segments after ``/Accounts/{AccountSid}``, with a
        trailing ``.json`` removed from the last one.
    :param raw_last: the last segment before ``.json`` was removed.
    :param query: parsed query string.
    :param form: parsed form body.
    :param repeat_stop_status: the emulator's answer to stopping a stopped stream (200 or 404).
    """

    method: str
    path: str
    segments: list[str]
    raw_last: str
    query: Params
    form: Params
    repeat_stop_status: int = 200


def allow(req: ApiRequest, *allowed: str) -> None:
    """
    Raise a 405 unless the request uses one of ``allowed``.

    :param req: the request.
    :param allowed: the methods the path accepts.
    """
    if req.method not in allowed:
        raise method_not_allowed(allowed)


def listing(
    req: ApiRequest, items: Sequence[dict[str, Any]], key: str, filters: tuple[str, ...]
) -> Response:
    """
    Answer a list request with one page of ``items``.

    :param req: the request (its query selects the page).
    :param items: every matching object, already ordered.
    :param key: the list key of the envelope.
    :param filters: filter parameters carried over to the other pages' URIs.
    """
    list_path = req.path if req.path.endswith(".json") else f"{req.path}.json"
    return json_response(200, paginate(items, key, list_path, req.query, filters))


def check(req: ApiRequest, spec: BodySpec, error: Callable[..., ApiError]) -> None:
    """
    Raise ``error`` with every problem of the request body under ``spec``, if any.

    :param req: the request.
    :param spec: what the operation accepts.
    :param error: the operation's documented 422 shape (array of strings or error object).
    """
    problems = check_body(req.form, spec)
    if problems:
        raise error(*problems)


def options(form: Params, names: tuple[str, ...]) -> dict[str, str]:
    """
    Return the given fields of ``names`` that are present, to store verbatim.

    :param form: parsed form body.
    :param names: the field names to keep.
    """
    return {name: value for name in names if (value := first(form, name)) is not None}


class ItemStore(Protocol):
    """What :func:`conference_items` needs of the participants or recordings store."""

    def get(self, conference_sid: str, item: str, /) -> dict[str, Any]:
        """Return one item (or raise ``UnknownResourceError``)."""

    def remove(self, conference_sid: str, item: str, /) -> None:
        """Delete one item (or raise ``UnknownResourceError``)."""


def conference_items(
    items: Callable[[Store], ItemStore],
    listing: Callable[[Store, ApiRequest, str], Response],
    update: Callable[[Store, ApiRequest, str, str], Response],
) -> Callable[[Store, ApiRequest], Response]:
    """
    Build the handler of ``/Conferences/{sid}/<Things>`` and ``.../<Things>/{id}``.

    The list answers GET (``listing``); one item answers GET, DELETE (204) and POST
    (``update``). Participants and recordings share this one dispatch.

    :param items: picks the item store out of the state.
    :param listing: answers the list, given the state, the request and the conference SID.
    :param update: answers a POST to one item, given also the item's id.
    """

    def handle(store: Store, req: ApiRequest) -> Response:
        conference_sid = req.segments[1]
        if len(req.segments) == 3:
            allow(req, "GET")
            return listing(store, req, conference_sid)
        allow(req, "GET", "POST", "DELETE")
        item = req.segments[3]
        if req.method == "GET":
            return json_response(200, items(store).get(conference_sid, item))
        if req.method == "DELETE":
            items(store).remove(conference_sid, item)
            return no_content()
        return update(store, req, conference_sid, item)

    return handle
