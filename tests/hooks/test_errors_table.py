"""
The error mapping (``hooks/_errors.py``) as tables: what every answer and transport failure becomes.

Each row is one rule of the specification, named by its test id; the values are exact.
"""

from __future__ import annotations

import socket
import ssl
import sys
from typing import Any

import httpcore
import httpx
import pytest
import requests
from urllib3.exceptions import (
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError

from airflow_provider_signalwire._compat import AirflowFailException
from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireTLSError,
)
from airflow_provider_signalwire.hooks._errors import (
    MAX_BODY_BYTES,
    Answer,
    after_attempts,
    body_too_large,
    caused_by,
    error_from_response,
    missing_body,
    parse_error_body,
    result_from_answer,
    transport_error,
)

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
else:  # anyio's backport
    from exceptiongroup import ExceptionGroup

PATH = "/api/laml/2010-04-01/Accounts/AC1/Conferences/CF1"
DOCS = "https://developer.signalwire.com/compatibility-api/errors/21220"


JSON = "application/json"


def answer(status: int, body: bytes = b"", reason: str = "", **headers: str) -> Answer:
    return Answer(
        status, {name.replace("_", "-"): value for name, value in headers.items()}, body, reason
    )


# -- status -> exception class ---------------------------------------------------------------

STATUS_CLASSES = [
    (301, SignalWireResponseError, True, "a 301 redirect is a response error"),
    (302, SignalWireResponseError, True, "a 302 redirect is a response error"),
    (307, SignalWireResponseError, True, "a 307 redirect is a response error"),
    (308, SignalWireResponseError, True, "a 308 redirect is a response error"),
    (400, SignalWireRequestError, True, "400 bad request is a request error"),
    (401, SignalWireAuthError, True, "401 refused credentials is an auth error"),
    (403, SignalWireAuthError, True, "403 refused permissions is an auth error"),
    (404, SignalWireNotFoundError, True, "404 is not found"),
    (405, SignalWireRequestError, True, "405 method not allowed is a request error"),
    (409, SignalWireRequestError, True, "409 conflict is a request error"),
    (410, SignalWireRequestError, True, "410 gone is a request error"),
    (422, SignalWireRequestError, True, "422 unprocessable is a request error"),
    (429, SignalWireRateLimitError, False, "429 is a rate limit that Airflow may retry"),
    (500, SignalWireServerError, False, "500 is a server error that Airflow may retry"),
    (501, SignalWireServerError, False, "501 is a server error too"),
    (502, SignalWireServerError, False, "502 is a server error"),
    (503, SignalWireServerError, False, "503 is a server error"),
    (504, SignalWireServerError, False, "504 is a server error"),
    (505, SignalWireServerError, False, "505 is a server error"),
    (599, SignalWireServerError, False, "599 is still a server error"),
    (304, SignalWireResponseError, True, "a 304 nobody asked for is a response error"),
    (103, SignalWireResponseError, True, "a 1xx as the final answer is a response error"),
    (600, SignalWireResponseError, True, "600 is no HTTP status: a response error"),
    (999, SignalWireResponseError, True, "999 is no HTTP status: a response error"),
    (499, SignalWireRequestError, True, "499 is still a request error"),
]


@pytest.mark.parametrize(
    ("status", "error", "fails_the_task_at_once"),
    [row[:3] for row in STATUS_CLASSES],
    ids=[row[3] for row in STATUS_CLASSES],
)
def test_status_maps_to_exactly_one_error_class(
    status: int, error: type[SignalWireError], fails_the_task_at_once: bool
) -> None:
    err = error_from_response(answer(status), method="GET", path=PATH)

    assert type(err) is error
    assert isinstance(err, AirflowFailException) is fails_the_task_at_once
    assert err.status_code == status
    assert (err.method, err.path) == ("GET", PATH)
    assert (err.code, err.api_message, err.more_info) == (None, None, None)


# -- error body shapes -> code, message, more_info --------------------------------------------

LONG = "x" * 250
BODY_SHAPES = [
    (
        b'{"code": 21220, "message": "Invalid Url parameter", "more_info": "'
        + DOCS.encode()
        + b'", "status": 400}',
        (21220, "Invalid Url parameter", DOCS),
        "code, message and more_info are read from one error object",
    ),
    (
        b'{"code": "21220", "message": "Invalid", "more_info": ""}',
        ("21220", "Invalid", None),
        "a string code is kept as it is and an empty more_info is no link",
    ),
    (
        b'{"detail": "Not authorized"}',
        (None, "Not authorized", None),
        "detail stands in for a missing message",
    ),
    (
        b'{"code": 20404}',
        (20404, '{"code": 20404}', None),
        "an object without a message is shown as it was sent",
    ),
    (
        b'{"errors": ["Url is invalid", "Track is invalid"]}',
        (None, "Url is invalid; Track is invalid", None),
        "a list of error strings is joined with semicolons",
    ),
    (
        b'{"errors": [{"code": "invalid_parameter", "message": "Url must use wss",'
        b' "more_info": "https://x.example/1"}, {"code": "missing_parameter",'
        b' "message": "Name is required", "more_info": "https://x.example/2"}]}',
        ("invalid_parameter", "Url must use wss; Name is required", "https://x.example/1"),
        "a list of error objects gives the first code and link and every message",
    ),
    (
        b'{"errors": [{"message": "first"}, {"code": 7, "detail": "second",'
        b' "more_info": "https://x.example/7"}]}',
        (7, "first; second", "https://x.example/7"),
        "the first code and link found in the list are taken, detail stands in for message",
    ),
    (
        b'{"errors": [{"field": "Url"}]}',
        (None, "{'field': 'Url'}", None),
        "an error object without message or detail is shown whole",
    ),
    (
        b'{"errors": [], "message": "fallback"}',
        (None, "fallback", None),
        "an empty errors list falls back to the message",
    ),
    (
        b'["not", "an", "object"]',
        (None, '["not", "an", "object"]', None),
        "a JSON list is shown as it was sent",
    ),
    (
        b"<html>\n  <body>Bad   Gateway</body>\n</html>",
        (None, "non-JSON body: <html> <body>Bad Gateway</body> </html>", None),
        "a body that is not JSON is shown with its whitespace collapsed",
    ),
    (
        LONG.encode(),
        (None, f"non-JSON body: {'x' * 200}...", None),
        "a long body that is not JSON is cut at 200 bytes",
    ),
    (
        b"\xff\xfe garbage",
        (None, "non-JSON body: \ufffd\ufffd garbage", None),
        "bytes that are not UTF-8 are replaced, never raised on",
    ),
    (b"", (None, None, None), "an empty body has no code, message or link"),
    (b" \r\n\t", (None, None, None), "a blank body has no code, message or link"),
]


@pytest.mark.parametrize(
    ("body", "parsed"), [row[:2] for row in BODY_SHAPES], ids=[row[2] for row in BODY_SHAPES]
)
def test_error_body_shapes_give_code_message_and_more_info(
    body: bytes, parsed: tuple[Any, str | None, str | None]
) -> None:
    assert parse_error_body(body) == parsed


# -- the whole message of an HTTP error ---------------------------------------------------------

MESSAGES = [
    (
        answer(
            400,
            b'{"code": 21220, "message": "Invalid Url parameter", "more_info": "'
            + DOCS.encode()
            + b'"}',
            "Bad Request",
        ),
        f"SignalWire answered 400 Bad Request to POST {PATH}: code 21220; "
        f"Invalid Url parameter; see {DOCS}",
        None,
        "a 400 names status, reason, call, code, message and link in that order",
    ),
    (
        answer(404, b'{"message": "The requested resource was not found"}'),
        f"SignalWire answered 404 to POST {PATH}: The requested resource was not found",
        None,
        "without a code the message follows the call",
    ),
    (
        answer(401),
        f"SignalWire answered 401 to POST {PATH}",
        None,
        "an empty body leaves only the status and the call",
    ),
    (
        answer(302, Location="https://elsewhere.example/x"),
        f"SignalWire answered 302 to POST {PATH}: redirect to "
        "'https://elsewhere.example/x' not followed",
        None,
        "a redirect names where it pointed and that it was not followed",
    ),
    (
        answer(301),
        f"SignalWire answered 301 to POST {PATH}: redirect to '?' not followed",
        None,
        "a redirect without a Location says so",
    ),
    (
        answer(429, Retry_After="7"),
        f"SignalWire answered 429 to POST {PATH}: Retry-After 7s",
        7.0,
        "a 429 carries the wait it asked for",
    ),
    (
        answer(503, b'{"message": "busy"}', Retry_After="1.5"),
        f"SignalWire answered 503 to POST {PATH}: busy; Retry-After 1.5s",
        1.5,
        "a 503 carries the wait it asked for",
    ),
    (
        answer(500, Retry_After="7"),
        f"SignalWire answered 500 to POST {PATH}",
        None,
        "Retry-After is ignored on other statuses",
    ),
    (
        answer(429, Retry_After="soon"),
        f"SignalWire answered 429 to POST {PATH}",
        None,
        "an unreadable Retry-After is no wait",
    ),
]


@pytest.mark.parametrize(
    ("given", "message", "retry_after"),
    [row[:3] for row in MESSAGES],
    ids=[row[3] for row in MESSAGES],
)
def test_http_error_message(given: Answer, message: str, retry_after: float | None) -> None:
    err = error_from_response(given, method="POST", path=PATH)

    assert str(err) == message
    assert err.retry_after == retry_after
    assert err.attempts is None


@pytest.mark.parametrize(
    "after_lost_response",
    [True, False],
    ids=["a 404 after a lost answer says so", "a 404 on its own says it was not lost"],
)
def test_404_carries_whether_an_earlier_attempt_was_lost(after_lost_response: bool) -> None:
    err = error_from_response(
        answer(404), method="POST", path=PATH, after_lost_response=after_lost_response
    )

    assert isinstance(err, SignalWireNotFoundError)
    assert err.after_lost_response is after_lost_response


# -- complete answers -> results ---------------------------------------------------------------

RESULTS = [
    (
        answer(200, b'{"sid": "CF1", "status": "init"}', Content_Type=JSON),
        {"sid": "CF1", "status": "init"},
        "200 with an object is the object",
    ),
    (
        answer(201, b'{"sid": "ST1"}', Content_Type=f"{JSON}; charset=utf-8"),
        {"sid": "ST1"},
        "201 with an object is the object",
    ),
    (
        answer(202, b' {"a": [1, {"b": null}]} \n', Content_Type="application/problem+json"),
        {"a": [1, {"b": None}]},
        "any 2xx with an object labelled JSON is the object",
    ),
    (answer(204), None, "204 is no result"),
    (answer(204, b"ignored"), None, "204 is no result whatever its body"),
]


@pytest.mark.parametrize(
    ("given", "result"), [row[:2] for row in RESULTS], ids=[row[2] for row in RESULTS]
)
def test_success_answer_is_the_result(given: Answer, result: dict[str, Any] | None) -> None:
    assert result_from_answer(given, method="GET", path=PATH) == result


MALFORMED = [
    (b"", "an empty body", "an empty 200 is refused"),
    (b"  \n", "an empty body", "a blank 200 is refused"),
    (
        b'{"sid": "CF',
        'a body that is not JSON ({"sid": "CF): Unterminated string starting at: line 1 column 9 (char 8)',
        "a cut-off 200 is refused",
    ),
    (
        b'{"a": 1, "a": 2}',
        'a body that is not JSON ({"a": 1, "a": 2}): duplicate key \'a\'',
        "duplicate keys are refused",
    ),
    (b'{"a": NaN}', 'a body that is not JSON ({"a": NaN}): NaN is not JSON', "NaN is refused"),
    (
        b"\xef\xbb\xbf{}",
        "a body that is not JSON (\ufeff{}): starts with a byte-order mark",
        "a byte-order mark is refused",
    ),
    (
        b"[" * 100_000 + b"]" * 100_000,
        f"a body that is not JSON ({'[' * 200}...): nested too deeply",
        "nesting past the parser's recursion is refused",
    ),
    (b"[]", "JSON list instead of an object", "a 200 list is refused"),
    (b'"ok"', "JSON str instead of an object", "a 200 string is refused"),
    (b"42", "JSON int instead of an object", "a 200 number is refused"),
    (b"null", "JSON NoneType instead of an object", "a 200 null is refused"),
]


@pytest.mark.parametrize(
    ("body", "problem"), [row[:2] for row in MALFORMED], ids=[row[2] for row in MALFORMED]
)
def test_success_without_an_object_is_a_response_error(body: bytes, problem: str) -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(answer(200, body), method="GET", path=PATH)

    assert str(caught.value) == f"SignalWire answered 200 to GET {PATH} with {problem}"
    assert caught.value.status_code == 200
    assert (caught.value.method, caught.value.path) == ("GET", PATH)


def test_success_not_labelled_json_is_a_response_error() -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(
            answer(200, b'{"sid": "CF1"}', Content_Type="text/html"), method="GET", path=PATH
        )

    assert str(caught.value) == (
        f"SignalWire answered 200 to GET {PATH} with Content-Type 'text/html' instead of application/json"
    )


def test_an_error_status_is_raised_as_its_class() -> None:
    with pytest.raises(SignalWireAuthError, match=f"^SignalWire answered 403 to GET {PATH}$"):
        result_from_answer(answer(403), method="GET", path=PATH)


def test_an_error_carries_its_message_as_an_exception_does() -> None:
    """``args`` and ``repr`` hold the message, as for any exception (logs, pytest, Sentry)."""
    with pytest.raises(SignalWireAuthError) as caught:
        result_from_answer(answer(403), method="GET", path=PATH)

    message = f"SignalWire answered 403 to GET {PATH}"
    assert caught.value.args == (message,)
    assert repr(caught.value) == f"SignalWireAuthError({message!r})"


@pytest.mark.parametrize("status", [199, 300, 301])
def test_only_2xx_is_a_success(status: int) -> None:
    with pytest.raises(SignalWireResponseError, match=f"^SignalWire answered {status} to GET "):
        result_from_answer(answer(status, b"{}", Content_Type=JSON), method="GET", path=PATH)


def test_a_404_on_a_first_attempt_is_not_after_a_lost_answer() -> None:
    with pytest.raises(SignalWireNotFoundError) as caught:
        result_from_answer(answer(404), method="POST", path=PATH)

    assert caught.value.after_lost_response is False


def test_a_success_without_content_type_says_so() -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(answer(200, b"{}"), method="GET", path=PATH)

    assert str(caught.value) == (
        f"SignalWire answered 200 to GET {PATH} with Content-Type '(none)' instead of "
        "application/json"
    )


def test_a_long_content_type_is_cut_at_60_characters() -> None:
    label = "text/" + "x" * 100
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(answer(200, b"{}", Content_Type=label), method="GET", path=PATH)

    assert f"with Content-Type {label[:60]!r} instead of" in str(caught.value)


def test_a_body_over_the_cap_is_refused_unread() -> None:
    err = body_too_large(status=200, method="GET", path=PATH)

    assert type(err) is SignalWireResponseError
    assert str(err) == (
        f"SignalWire answered 200 to GET {PATH} with a body over {MAX_BODY_BYTES} bytes; "
        "refused to read it"
    )


def test_a_call_that_needs_an_object_refuses_204() -> None:
    err = missing_body("GET", PATH)

    assert type(err) is SignalWireResponseError
    assert str(err) == f"SignalWire answered GET {PATH} without a body"


# -- transport failures -> connection errors ----------------------------------------------------


def caused(outer: BaseException, cause: BaseException) -> BaseException:
    """``outer`` raised ``from cause``, as the client libraries do."""
    outer.__cause__ = cause
    return outer


def during(outer: BaseException, context: BaseException) -> BaseException:
    """``outer`` raised while handling ``context``."""
    outer.__context__ = context
    return outer


CERT = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
REFUSED = ConnectionRefusedError(111, "Connection refused")
ORIGIN = "space.signalwire.com:443"
FAILED = f"SignalWire request GET {PATH} to {ORIGIN} failed: "
NOT_TRUSTED = (
    "the server's TLS certificate was not trusted; check the Space URL and the connection's "
    "verify extra"
)
REFUSED_SAYS = "connection refused (nothing listens there; connection was not established)"
NO_NAME = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
NO_NAME_SAYS = "the host name did not resolve (check the Space URL; connection was not established)"

TRANSPORT = [
    (
        requests.exceptions.SSLError(MaxRetryError(None, "/", reason=Urllib3SSLError(CERT))),  # type: ignore[arg-type]
        False,
        SignalWireTLSError,
        NOT_TRUSTED,
        False,
        "an untrusted certificate under requests is a TLS error",
    ),
    (
        during(httpx.ConnectError("handshake failed"), caused(httpcore.ConnectError("x"), CERT)),
        False,
        SignalWireTLSError,
        NOT_TRUSTED,
        False,
        "an untrusted certificate under httpx is a TLS error",
    ),
    (
        httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER]", request=None),  # type: ignore[arg-type]
        True,
        SignalWireConnectionError,
        "ConnectError (connection was not established)",
        False,
        "another handshake failure is a plain transport error",
    ),
    (
        requests.exceptions.ConnectionError(
            MaxRetryError(None, "/", reason=caused(NewConnectionError(None, "refused"), REFUSED))  # type: ignore[arg-type]
        ),
        False,
        SignalWireConnectionError,
        REFUSED_SAYS,
        False,
        "a refused connection under requests provably never arrived",
    ),
    (
        caused(
            httpx.ConnectError("All connection attempts failed"),
            caused(httpcore.ConnectError("x"), REFUSED),
        ),
        False,
        SignalWireConnectionError,
        REFUSED_SAYS,
        False,
        "a refused connection under httpx provably never arrived",
    ),
    (
        requests.exceptions.ConnectionError(
            MaxRetryError(
                None,  # type: ignore[arg-type]
                "/",
                reason=caused(NameResolutionError("space", None, NO_NAME), NO_NAME),  # type: ignore[arg-type]
            )
        ),
        False,
        SignalWireConnectionError,
        NO_NAME_SAYS,
        False,
        "a name that did not resolve under requests provably never arrived",
    ),
    (
        caused(httpx.ConnectError("[Errno -2] Name or service not known"), NO_NAME),
        True,
        SignalWireConnectionError,
        NO_NAME_SAYS,
        False,
        "a name that did not resolve under httpx provably never arrived",
    ),
    (
        httpx.ConnectTimeout("timed out"),
        True,
        SignalWireConnectionError,
        "ConnectTimeout (connection was not established)",
        False,
        "a connect timeout never arrived",
    ),
    (
        requests.exceptions.ConnectTimeout("timed out"),
        True,
        SignalWireConnectionError,
        "ConnectTimeout (connection was not established)",
        False,
        "a connect timeout under requests never arrived",
    ),
    (
        httpx.ReadTimeout("timed out"),
        False,
        SignalWireConnectionError,
        "ReadTimeout (no complete answer)",
        True,
        "a read timeout may have been delivered",
    ),
    (
        requests.exceptions.ConnectionError(
            ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
        ),
        False,
        SignalWireConnectionError,
        "ConnectionError (no complete answer)",
        True,
        "a reset after sending may have been delivered",
    ),
    (
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        False,
        SignalWireConnectionError,
        "RemoteProtocolError (no complete answer)",
        True,
        "a dropped connection may have been delivered",
    ),
]


@pytest.mark.parametrize(
    ("exc", "never_sent", "error", "what", "maybe_delivered"),
    [row[:5] for row in TRANSPORT],
    ids=[row[5] for row in TRANSPORT],
)
def test_transport_failure_maps_to_a_connection_error(
    exc: BaseException,
    never_sent: bool,
    error: type[SignalWireConnectionError],
    what: str,
    maybe_delivered: bool,
) -> None:
    err = transport_error(exc, "GET", PATH, never_sent=never_sent, origin=ORIGIN)

    assert type(err) is error
    assert str(err) == FAILED + what
    assert err.maybe_delivered is maybe_delivered
    assert (err.method, err.path, err.status_code) == ("GET", PATH, None)


def looped() -> BaseException:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    return first


CAUSES = [
    (ValueError(REFUSED), True, "a wrapped error in the first argument is found"),
    (caused(ValueError("x"), REFUSED), True, "a cause is found"),
    (during(ValueError("x"), REFUSED), True, "a context is found"),
    (MaxRetryError(None, "/", reason=REFUSED), True, "urllib3's reason is found"),  # type: ignore[arg-type]
    (ValueError(ValueError(caused(OSError("x"), REFUSED))), True, "a cause is found however deep"),
    (ConnectionResetError(104, "reset"), False, "a reset is not a refusal"),
    (ValueError("Connection refused"), False, "the words alone are not a refusal"),
    (looped(), False, "a loop of contexts ends the search"),
    (
        caused(
            OSError("All connection attempts failed"),
            ExceptionGroup("all", [OSError("x"), REFUSED]),
        ),
        True,
        "an error of an exception group is found (anyio, a host with two addresses)",
    ),
    (
        ExceptionGroup("all", [ConnectionResetError(104, "reset"), OSError("x")]),
        False,
        "a group without a refusal is not a refusal",
    ),
]


@pytest.mark.parametrize(
    ("exc", "found"), [row[:2] for row in CAUSES], ids=[row[2] for row in CAUSES]
)
def test_caused_by_walks_every_wrapper(exc: BaseException, found: bool) -> None:
    assert caused_by(exc, ConnectionRefusedError) is found


# -- the final error of a call -----------------------------------------------------------------

FINAL = [
    (
        SignalWireServerError(
            "SignalWire answered 503 to GET /p", status_code=503, method="GET", path="/p"
        ),
        1,
        0.0,
        "SignalWire answered 503 to GET /p",
        "one attempt adds nothing to the message",
    ),
    (
        SignalWireServerError(
            "SignalWire answered 503 to GET /p", status_code=503, method="GET", path="/p"
        ),
        3,
        6.049,
        "SignalWire answered 503 to GET /p (gave up after 3 attempts, waited 6.0s)",
        "after retries the message says how many attempts and how long it waited",
    ),
    (
        SignalWireConnectionError("refused", maybe_delivered=False, method="GET", path="/p"),
        5,
        15.0,
        "refused (gave up after 5 attempts, waited 15.0s)",
        "a transport failure keeps whether it was delivered",
    ),
    (
        SignalWireNotFoundError("gone", after_lost_response=True, status_code=404),
        2,
        1.0,
        "gone (gave up after 2 attempts, waited 1.0s)",
        "a 404 keeps whether an answer was lost",
    ),
]


@pytest.mark.parametrize(
    ("error", "attempts", "waited", "message"),
    [row[:4] for row in FINAL],
    ids=[row[4] for row in FINAL],
)
def test_final_error_says_how_many_attempts(
    error: SignalWireError, attempts: int, waited: float, message: str
) -> None:
    before = (str(error), error.details())

    final = after_attempts(error, attempts, waited)

    assert type(final) is type(error)
    assert str(final) == message
    assert final.details() == {**error.details(), "attempts": attempts}
    assert (str(error), error.details()) == before, "the original error was changed"


# -- edges of the messages and details ------------------------------------------------------------


def test_an_excerpt_is_marked_cut_only_when_it_is() -> None:
    whole = error_from_response(answer(500, body=b"x" * 200), method="GET", path=PATH)
    cut = error_from_response(answer(500, body=b"x" * 201), method="GET", path=PATH)

    assert str(whole) == f"SignalWire answered 500 to GET {PATH}: non-JSON body: {'x' * 200}"
    assert str(cut) == f"SignalWire answered 500 to GET {PATH}: non-JSON body: {'x' * 200}..."


def test_why_a_body_is_not_json_is_cut_at_80_characters() -> None:
    key = "k" * 100
    body = f'{{"{key}": 1, "{key}": 2}}'.encode()
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(answer(200, body, Content_Type=JSON), method="GET", path=PATH)

    why = f"duplicate key {key!r}"[:80]
    assert str(caught.value).endswith(f"...): {why}")


def test_a_content_type_with_several_parameters_is_json() -> None:
    headers = {"Content_Type": "application/json; charset=utf-8; profile=x"}
    result = result_from_answer(answer(200, b'{"sid": "CF1"}', **headers), method="GET", path=PATH)

    assert result == {"sid": "CF1"}


def test_a_300_is_a_redirect_too() -> None:
    err = error_from_response(answer(300, Location="/elsewhere"), method="GET", path=PATH)

    assert (
        str(err) == f"SignalWire answered 300 to GET {PATH}: redirect to '/elsewhere' not followed"
    )


def test_a_404_is_no_lost_answer_unless_told() -> None:
    plain = error_from_response(answer(404), method="DELETE", path=PATH)
    told = error_from_response(answer(404), method="DELETE", path=PATH, after_lost_response=True)

    assert (plain.after_lost_response, told.after_lost_response) == (False, True)  # type: ignore[attr-defined]


def test_a_json_escaped_secret_in_code_and_more_info_is_scrubbed() -> None:
    secret = "PTsecret-LEAKCHECK-42"
    escaped = "".join(f"\\u{ord(char):04x}" for char in secret)
    body = f'{{"code": "{escaped}", "message": "m", "more_info": "https://x/?t={escaped}"}}'
    err = error_from_response(
        answer(400, body=body.encode()), method="GET", path=PATH, secrets=(secret,)
    )

    assert (err.code, err.more_info) == ("***", "https://x/?t=***")
    assert secret not in repr(err.details()) + str(err)


def test_a_body_too_large_names_status_method_and_path() -> None:
    err = body_too_large(status=502, method="POST", path=PATH)

    assert (err.status_code, err.method, err.path) == (502, "POST", PATH)


def test_a_success_not_labelled_json_keeps_its_details() -> None:
    with pytest.raises(SignalWireResponseError) as caught:
        result_from_answer(answer(200, b"{}", Content_Type="text/plain"), method="PUT", path=PATH)

    assert (caught.value.status_code, caught.value.method, caught.value.path) == (200, "PUT", PATH)


def test_a_json_escaped_secret_in_a_success_object_is_scrubbed() -> None:
    secret = "PTsecret-LEAKCHECK-43"
    escaped = "".join(f"\\u{ord(char):04x}" for char in secret)
    body = f'{{"sid": "CF1", "echo": "t={escaped}", "{escaped}": 1}}'.encode()

    result = result_from_answer(
        answer(200, body, Content_Type=JSON), method="GET", path=PATH, secrets=(secret,)
    )

    assert result == {"sid": "CF1", "echo": "t=***", "***": 1}
    assert result_from_answer(answer(200, body, Content_Type=JSON), method="GET", path=PATH) == {
        "sid": "CF1",
        "echo": f"t={secret}",
        secret: 1,
    }
