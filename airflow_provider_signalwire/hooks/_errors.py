"""
Answers to results or errors, for both clients, with every secret scrubbed out of them.

Both clients (``requests`` and ``httpx``) read an answer's bytes and hand them here, so they
raise the same errors for the same answers, and both keep the same secrets out of messages, XCom
and logs. In the order a call meets them:

- secrets: :func:`mask_secrets` tells the log masker, :func:`scrub` removes them from text;
- the body: its announced length and encoding are checked, then it is inflated, bounded;
- strict JSON: :func:`loads_strict` refuses what :mod:`json` would accept or choke on;
- the result: :func:`result_from_answer` returns the JSON object of a success or raises the
  :class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass of a failure;
- transport failures and kills: :func:`transport_error`, :func:`deadline_error`,
  :func:`cancelled_error`; :func:`final_error` is what a call ends with after its retries.

SignalWire answers errors in three shapes: ``{"code", "message", "more_info", "status"}``,
``{"errors": ["message", ...]}`` and ``{"errors": [{"code", "message", "more_info"}, ...]}``; a
proxy in between may answer HTML, nothing, or a cut-off body. Errors are built complete, once,
and never changed after.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import socket
import ssl
import zlib
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, quote_plus

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireTLSError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

# -- secrets ---------------------------------------------------------------------------------

MASK = "***"
_BYTE_MASK = MASK.encode()
#: Shorter secrets are not scrubbed, as Airflow's masker does not mask them: a value that short
#: cannot be a real SignalWire token, and replacing every occurrence would garble every message.
MIN_SECRET_LENGTH = 5


def credential_variants(login: str | None, token: str) -> tuple[str, ...]:
    """
    Return the token and the Basic ``Authorization`` values derived from it.

    :param login: the Project ID (Basic auth user).
    :param token: the API token (Basic auth password).
    """
    try:
        basic = base64.b64encode(f"{login or ''}:{token}".encode()).decode()
    except UnicodeEncodeError:  # a lone surrogate: such a token can never be sent
        return (token,)
    return (token, basic, f"Basic {basic}")


def mask_secrets(*secrets: str) -> None:
    """
    Register secrets with this process's log masker, so task logs show ``***`` instead.

    Only the local masker is told: task logs are redacted in the task process before they leave
    it, and ``airflow.sdk.log.mask_secret`` would also send each value to the supervisor in a
    message that ``airflow dags test`` prints verbatim at DEBUG level.

    :param secrets: the values to hide; empty ones are skipped.
    """
    values = [secret for secret in secrets if secret]
    try:
        from airflow.sdk._shared.secrets_masker import _secrets_masker
    except ImportError:  # pragma: no cover - layouts other than the tested Airflow releases
        from airflow.sdk.log import mask_secret

        for secret in values:
            mask_secret(secret)
        return
    masker = _secrets_masker()
    for secret in values:
        masker.add_mask(secret)


def _forms(secrets: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each secret as it may come back: as is, or percent-encoded (an echoed form or URL)."""
    return _forms_of(tuple(secrets))


@functools.lru_cache(maxsize=32)
def _forms_of(secrets: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: a listing of 1,000 conferences scrubs some 20,000 strings with the same secrets.
    kept = [secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH]
    forms = {form for secret in kept for form in (secret, quote(secret, safe=""))}
    forms |= {quote_plus(secret) for secret in kept}
    return tuple(sorted(forms, key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """
    Replace every occurrence of each secret in ``text`` by ``***``, longest secret first.

    Percent-encoded forms of a secret (as a server echoing a form body or a URL would show it)
    are replaced too.

    :param text: a message about to be stored or emitted.
    :param secrets: the values to remove; empty ones are skipped.
    """
    for form in _forms(secrets):
        text = text.replace(form, MASK)
    return text


def scrub_bytes(body: bytes, secrets: tuple[str, ...] | list[str]) -> bytes:
    """
    Replace each secret (UTF-8, as is or percent-encoded) in a raw body by ``***``.

    :param body: an answer's body, before anything reads it.
    :param secrets: the values to remove; empty ones are skipped.
    """
    for form in _byte_forms_of(tuple(secrets)):
        body = body.replace(form, _BYTE_MASK)
    return body


@functools.lru_cache(maxsize=32)
def _byte_forms_of(secrets: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(form.encode("utf-8", "surrogatepass") for form in _forms_of(secrets))


def scrub_data(data: Any, secrets: tuple[str, ...] | list[str]) -> Any:
    """
    Return ``data`` (parsed JSON) with every secret replaced in its strings, keys included.

    :param data: a JSON value about to be returned (and so stored in XCom).
    :param secrets: the values to remove; empty ones are skipped.
    """
    if not secrets:
        return data
    if isinstance(data, str):
        return scrub(data, secrets)
    if isinstance(data, dict):
        return {scrub(key, secrets): scrub_data(value, secrets) for key, value in data.items()}
    if isinstance(data, list):
        return [scrub_data(item, secrets) for item in data]
    return data


# -- strict JSON -----------------------------------------------------------------------------

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
    # A lone surrogate needs an escape, and nesting needs an opening bracket per level: an
    # answer with neither (almost all of them) needs no walk.
    if b"\\" in body or body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        _check_values(data)
    return data


# -- the body ----------------------------------------------------------------------------------

#: Largest body read from SignalWire; a stream or conference object is a few hundred bytes.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Most characters of an odd body quoted in a message.
_EXCERPT = 200
#: ``Content-Encoding`` values both clients accept (``""`` is no header).
SUPPORTED_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})
#: Names a recipient takes as another coding (RFC 9110, section 8.4.1.3).
ENCODING_ALIASES = {"x-gzip": "gzip"}


#: Most digits of a number read from a header: more than any size or wait this client accepts.
MAX_HEADER_DIGITS = 18


def header_integer(text: str) -> int | None:
    """
    Read a header's number as HTTP writes it: 1 to 18 ASCII digits (``²`` or ``٣`` are not).

    :param text: the header's value.
    :return: the number, or ``None`` if the value is not one.
    """
    text = text.strip()
    if 0 < len(text) <= MAX_HEADER_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None


def check_declared_length(
    headers: Mapping[str, str], *, status: int, method: str, path: str
) -> None:
    """
    Refuse a body announced over :data:`MAX_BODY_BYTES`, or with no number, before reading it.

    :param headers: the answer's headers.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    declared = headers.get("Content-Length")
    if declared is None:
        return
    length = header_integer(declared)
    if length is None:
        raise invalid_content_length(method, path)
    if length > MAX_BODY_BYTES:
        raise body_too_large(status=status, method=method, path=path)


def invalid_content_length(method: str, path: str) -> SignalWireResponseError:
    """
    Build the error for an answer whose ``Content-Length`` is no number: it cannot be read.

    The async client's HTTP parser refuses it before the status is known, so neither client
    names the status (or the value, which that parser does not keep).
    """
    return SignalWireResponseError(
        f"SignalWire answered {method} {path} with an invalid Content-Length "
        f"(not 1 to {MAX_HEADER_DIGITS} ASCII digits)",
        method=method,
        path=path,
    )


def content_encoding(headers: Mapping[str, str], *, status: int, method: str, path: str) -> str:
    """
    Return the answer's ``Content-Encoding``, lower-cased, refusing one no client can inflate.

    :param headers: the answer's headers.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    encoding = headers.get("Content-Encoding", "").strip().lower()
    encoding = ENCODING_ALIASES.get(encoding, encoding)
    if encoding not in SUPPORTED_ENCODINGS:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with an "
            f"unsupported Content-Encoding {encoding!r}",
            status_code=status,
            method=method,
            path=path,
        )
    return encoding


def _inflate(raw: bytes, wbits: int, members: bool) -> bytes:
    """Inflate ``raw`` (each gzip member if ``members``), up to one byte past the cap."""
    body = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits=wbits)
        body += inflater.decompress(raw, MAX_BODY_BYTES + 1 - len(body))
        if len(body) > MAX_BODY_BYTES:
            return bytes(body)
        if not inflater.eof:
            raise zlib.error("the compressed stream is cut off")
        raw = inflater.unused_data
        if not (members and raw):
            return bytes(body)


def inflate_bounded(raw: bytes, encoding: str, *, status: int, method: str, path: str) -> bytes:
    """
    Decompress a body received as-is, never past :data:`MAX_BODY_BYTES`.

    ``gzip`` may hold several members (RFC 1952); ``deflate`` is a zlib stream (RFC 9110) or,
    as some servers send it, a bare deflate stream.

    :param raw: the bytes as received.
    :param encoding: what :func:`content_encoding` returned.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    if encoding in {"", "identity"} or not raw:
        return raw
    try:
        # wbits=47: a gzip or zlib header, detected rather than trusted from the label.
        if encoding == "gzip":
            body = _inflate(raw, 47, members=True)
        else:
            try:
                body = _inflate(raw, 47, members=False)
            except zlib.error:
                body = _inflate(raw, -15, members=False)
    except zlib.error:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with a "
            f"{encoding} body that does not decompress",
            status_code=status,
            method=method,
            path=path,
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large(status=status, method=method, path=path)
    return body


# -- results and errors --------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """
    Read ``Retry-After`` as seconds to wait, whether it holds seconds or an HTTP date.

    A value that asks no wait (zero, negative, NaN, infinite, a date not in the future, anything
    unreadable) is ignored, so the exponential backoff applies instead of a zero-wait burst (as
    urllib3 does with ``Retry-After: 0``).

    :param headers: the response headers (a case-insensitive mapping).
    :param now: the current time, for dates; defaults to the clock.
    :return: seconds (finite, ``> 0``), or ``None`` if the header is absent or unusable.
    """
    value = (headers.get("Retry-After") or headers.get("retry-after") or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        until = _seconds_until(value, now)
        return until if until is not None and until > 0 else None
    # A plain number: 0 would retry at once, again and again; negative, NaN, infinities are noise.
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _seconds_until(value: str, now: datetime | None) -> float | None:
    """Return the seconds from ``now`` until the HTTP date ``value``, or ``None`` if unreadable."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - (now or datetime.now(timezone.utc))).total_seconds()


def _error_class(status: int) -> type[SignalWireError]:
    if status in {401, 403}:
        return SignalWireAuthError
    if status == 404:
        return SignalWireNotFoundError
    if status == 429:
        return SignalWireRateLimitError
    if 400 <= status < 500:
        return SignalWireRequestError
    if 500 <= status < 600:
        return SignalWireServerError
    # A redirect (never followed), or a status no HTTP server sends as a final answer (1xx,
    # 600 and above): whatever sits in between is broken, not the request.
    return SignalWireResponseError


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > _EXCERPT else "")


def _short(err: ValueError) -> str:
    return str(err)[:80]


def _is_json(headers: Mapping[str, str]) -> bool:
    media_type = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def parse_error_body(body: bytes) -> tuple[str | int | None, str | None, str | None]:
    """
    Read SignalWire's error ``code``, message and ``more_info`` from any of its error shapes.

    :param body: the raw response body.
    :return: ``(code, message, more_info)``; the message falls back to an excerpt of a body that
        is not JSON, and everything is ``None`` for an empty body.
    """
    if not body.strip():
        return None, None, None
    try:
        data: Any = loads_strict(body)
    except ValueError:
        return None, f"non-JSON body: {_excerpt(body)}", None
    if not isinstance(data, dict):
        return None, _excerpt(body), None
    if "errors" in data and isinstance(data["errors"], list) and data["errors"]:
        codes, messages, links = [], [], []
        for item in data["errors"]:
            if isinstance(item, dict):
                codes.append(item.get("code"))
                messages.append(str(item.get("message") or item.get("detail") or item))
                links.append(item.get("more_info"))
            else:
                messages.append(str(item))
        code = next((c for c in codes if c is not None), None)
        link = next((str(u) for u in links if u), None)
        return code, "; ".join(messages), link
    message = data.get("message") or data.get("detail")
    return (
        data.get("code"),
        str(message) if message is not None else _excerpt(body),
        str(data["more_info"]) if data.get("more_info") else None,
    )


class Answer(NamedTuple):
    """
    An HTTP answer as both clients hand it over.

    :param status: HTTP status code.
    :param headers: response headers (``Retry-After`` and ``Location`` are read).
    :param body: the raw body, already read (bounded).
    :param reason: HTTP reason phrase, if the client has one.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    reason: str = ""


def error_from_response(
    answer: Answer,
    *,
    method: str,
    path: str,
    after_lost_response: bool = False,
    secrets: tuple[str, ...] = (),
) -> SignalWireError:
    """
    Build the error for a non-success answer.

    :param answer: the answer.
    :param method: request method, for the message.
    :param path: request path without query, for the message.
    :param after_lost_response: an earlier attempt of this call may have been delivered.
    :param secrets: credentials to scrub from whatever the body echoes.
    """
    status, headers, body, reason = answer
    code, api_message, more_info = parse_error_body(scrub_bytes(body, secrets))
    if secrets:
        code = scrub(code, secrets) if isinstance(code, str) else code
        api_message = scrub(api_message, secrets) if api_message else api_message
        more_info = scrub(more_info, secrets) if more_info else more_info
    parts = [f"SignalWire answered {status}{f' {reason}' if reason else ''} to {method} {path}"]
    if code is not None:
        parts.append(f"code {code}")
    if api_message:
        parts.append(api_message)
    if 300 <= status < 400:
        parts.append(f"redirect to {headers.get('Location', '?')!r} not followed")
    retry_after = retry_after_seconds(headers) if status in {429, 503} else None
    if retry_after is not None:
        parts.append(f"Retry-After {retry_after:g}s")
    if more_info:
        parts.append(f"see {more_info}")
    message = scrub(": ".join(parts[:2]) + "".join(f"; {part}" for part in parts[2:]), secrets)
    details: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "api_message": api_message,
        "more_info": more_info,
        "method": method,
        "path": path,
        "retry_after": retry_after,
    }
    if status == 404:
        details["after_lost_response"] = after_lost_response
    return _error_class(status)(message, **details)


def json_object_from_body(body: bytes, *, status: int, method: str, path: str) -> dict[str, Any]:
    """
    Parse a success body that must hold one JSON object.

    :param body: raw response body.
    :param status: HTTP status code, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    problem: str | None = None
    data: Any = None
    if not body.strip():
        problem = "an empty body"
    else:
        try:
            data = loads_strict(body)
        except ValueError as err:
            problem = f"a body that is not JSON ({_excerpt(body)}): {_short(err)}"
        else:
            if not isinstance(data, dict):
                problem = f"JSON {type(data).__name__} instead of an object"
    if problem is not None:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with {problem}",
            status_code=status,
            method=method,
            path=path,
        )
    return dict(data)


def body_too_large(*, status: int, method: str, path: str) -> SignalWireResponseError:
    """Build the error for a body over :data:`MAX_BODY_BYTES`, which is never read in full."""
    return SignalWireResponseError(
        f"SignalWire answered {status} to {method} {path} with a body over "
        f"{MAX_BODY_BYTES} bytes; refused to read it",
        status_code=status,
        method=method,
        path=path,
    )


def result_from_answer(
    answer: Answer,
    *,
    method: str,
    path: str,
    after_lost_response: bool = False,
    secrets: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """
    Turn a complete answer into the call's result: ``None`` for 204, the JSON object for 2xx.

    :param answer: the answer.
    :param method: request method, for messages.
    :param path: request path, for messages.
    :param after_lost_response: an earlier attempt of this call may have been delivered.
    :param secrets: credentials to scrub from whatever the answer echoes (error or object).
    :raises SignalWireError: the subclass for a non-2xx status or a 2xx without a JSON object
        (a body that is not strictly JSON, or not labelled ``application/json``).
    """
    if answer.status == 204:
        return None
    if not 200 <= answer.status < 300:
        raise error_from_response(
            answer,
            method=method,
            path=path,
            after_lost_response=after_lost_response,
            secrets=secrets,
        )
    status, headers = answer.status, answer.headers
    body = scrub_bytes(answer.body, secrets)
    data = json_object_from_body(body, status=status, method=method, path=path)
    if not _is_json(headers):
        shown = scrub(headers.get("Content-Type", "(none)")[:60], secrets)
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with Content-Type "
            f"{shown!r} instead of application/json",
            status_code=status,
            method=method,
            path=path,
        )
    # scrub_bytes removed every secret written out in the body; only an escaped one (``\u0041``)
    # can still appear once the JSON is decoded.
    return scrub_data(data, secrets) if b"\\" in body else data


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """
    Tell whether a client library's error wraps an error of type ``kind``.

    Walks the wrapped errors (``args[0]``, urllib3's ``reason``, ``__cause__``, ``__context__``,
    and each error of an exception group) that requests, urllib3, httpx, httpcore and anyio put
    around the ``ssl`` or ``socket`` error. anyio groups the errors of every address it tried
    when a host name (``localhost``) has more than one.

    :param exc: the client library's error.
    :param kind: e.g. ``ssl.SSLCertVerificationError`` or ``ConnectionRefusedError``.
    """
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        stack.extend(
            (getattr(current, "reason", None), *current.args[:1], current.__cause__,
             current.__context__)
        )  # fmt: skip
        grouped = getattr(current, "exceptions", None)  # an ExceptionGroup's errors
        if isinstance(grouped, tuple):
            stack.extend(grouped)
    return False


def transport_error(
    exc: BaseException, method: str, path: str, *, never_sent: bool, origin: str
) -> SignalWireConnectionError:
    """
    Build the error for a request that failed in transport, whichever client sent it.

    A certificate that failed verification becomes the permanent :class:`SignalWireTLSError`;
    anything else a :class:`SignalWireConnectionError` that names the host and port and says
    whether the request may have reached SignalWire.

    :param exc: the client library's error.
    :param method: request method, for the message.
    :param path: request path, for the message.
    :param never_sent: the connection was never established, so nothing reached SignalWire.
    :param origin: the Space's ``host:port``, for the message.
    """
    if caused_by(exc, ssl.SSLCertVerificationError):
        return SignalWireTLSError(
            f"SignalWire request {method} {path} to {origin} failed: the server's TLS "
            "certificate was not trusted; check the Space URL and the connection's verify extra",
            method=method,
            path=path,
        )
    if caused_by(exc, ConnectionRefusedError):
        never_sent = True  # refused before any byte of the request could be sent
        what = "connection refused (nothing listens there; connection was not established)"
    elif caused_by(exc, socket.gaierror):
        never_sent = True  # no address to connect to: nothing was sent
        what = "the host name did not resolve (check the Space URL; connection was not established)"
    elif never_sent:
        what = f"{type(exc).__name__} (connection was not established)"
    else:
        what = f"{type(exc).__name__} (no complete answer)"
    return SignalWireConnectionError(
        f"SignalWire request {method} {path} to {origin} failed: {what}",
        method=method,
        path=path,
        maybe_delivered=not never_sent,
    )


def deadline_error(
    method: str, path: str, *, origin: str, seconds: float
) -> SignalWireConnectionError:
    """
    Build the error for an answer that did not arrive in full within the read timeout.

    The read timeout is a deadline for the whole answer of one attempt, however slowly it drips.

    :param method: request method, for the message.
    :param path: request path, for the message.
    :param origin: the Space's ``host:port``, for the message.
    :param seconds: the read timeout.
    """
    return SignalWireConnectionError(
        f"SignalWire request {method} {path} to {origin} failed: ReadTimeout (no complete answer "
        f"within the {seconds:g}s read timeout)",
        method=method,
        path=path,
    )


def cancelled_error(
    method: str, path: str, *, origin: str, maybe_delivered: bool
) -> SignalWireCancelledError:
    """
    Build the error for a request of a killed task: cut off in flight, or never sent.

    :param method: request method, for the message.
    :param path: request path, for the message.
    :param origin: the Space's ``host:port``, for the message.
    :param maybe_delivered: the request had left before the kill.
    """
    what = "cut off" if maybe_delivered else "not sent"
    return SignalWireCancelledError(
        f"SignalWire request {method} {path} to {origin} {what}: the task was killed",
        method=method,
        path=path,
        maybe_delivered=maybe_delivered,
    )


def after_attempts(error: SignalWireError, attempts: int, waited: float) -> SignalWireError:
    """
    Build the final error of a call: ``error``, saying how many attempts were made.

    After retries the message also says how long was waited.

    :param error: the last attempt's error.
    :param attempts: requests sent.
    :param waited: seconds slept between them.
    """
    message = error.message
    if attempts > 1:
        message = f"{message} (gave up after {attempts} attempts, waited {waited:.1f}s)"
    return type(error)(message, **{**error.details(), "attempts": attempts})


def missing_body(method: str, path: str) -> SignalWireResponseError:
    """Build the error for a call that must answer an object but answered 204."""
    return SignalWireResponseError(
        f"SignalWire answered {method} {path} without a body", method=method, path=path
    )


def final_error(error: SignalWireError, statistics: Mapping[str, Any]) -> SignalWireError:
    """
    The error a call ends with: the last attempt's, saying how many attempts were made.

    :param error: the error tenacity re-raised.
    :param statistics: the loop's statistics (``attempt_number``, ``idle_for``).
    """
    attempts = int(statistics.get("attempt_number", 1))
    return after_attempts(error, attempts, float(statistics.get("idle_for", 0.0)))
