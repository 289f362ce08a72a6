"""
Errors raised by the SignalWire provider.

Every error descends from :class:`SignalWireError` (an ``AirflowException``), so a caller can catch
the provider's failures in one place, or a child class for the meaning it acts on. Errors raised
for an HTTP answer keep the status, SignalWire's error ``code``, ``message`` and ``more_info``,
the request method and path; none of them ever holds the API token or an ``Authorization`` header.

Errors that no retry can heal (invalid input, refused credentials, unknown resources, rejected
requests) are also ``AirflowFailException`` s, so a task fails at once instead of spending its
Airflow ``retries`` on them. Transient failures that outlived the hook's own retries (rate limits,
server errors, transport failures) stay plain ``AirflowException`` s: Airflow may retry the task.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_signalwire._compat import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
)


class SignalWireError(AirflowException):
    """
    Root of every error the SignalWire provider raises.

    :param message: human-readable description; never contains a secret.
    :param status_code: HTTP status of SignalWire's answer, if there was one.
    :param code: SignalWire's error code from the answer's body, if any.
    :param api_message: SignalWire's error message(s) from the answer's body, if any.
    :param more_info: SignalWire's documentation link for the error, if any.
    :param method: HTTP method of the request that failed.
    :param path: URL path of the request that failed (no host, query or credentials).
    :param attempts: how many requests were sent before giving up.
    :param retry_after: seconds the server asked to wait (``Retry-After``), if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | int | None = None,
        api_message: str | None = None,
        more_info: str | None = None,
        method: str | None = None,
        path: str | None = None,
        attempts: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # AirflowException declares status_code as an HTTPStatus class default; ours is per error.
        self.status_code = status_code  # type: ignore[assignment]
        self.code = code
        self.api_message = api_message
        self.more_info = more_info
        self.method = method
        self.path = path
        self.attempts = attempts
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def details(self) -> dict[str, Any]:
        """Return the keyword arguments that rebuild this error with another message."""
        return {
            "status_code": self.status_code,
            "code": self.code,
            "api_message": self.api_message,
            "more_info": self.more_info,
            "method": self.method,
            "path": self.path,
            "attempts": self.attempts,
            "retry_after": self.retry_after,
        }


class SignalWireValidationError(SignalWireError, ValueError, AirflowFailException):
    """An argument or connection setting is invalid; raised before any request is sent."""


class SignalWireConnectionNotFoundError(
    SignalWireError, AirflowNotFoundException, AirflowFailException
):
    """
    The ``signalwire`` connection is not defined; the message says how to define it.

    Still an ``AirflowNotFoundException`` for code that catches Airflow's own error; no retry of
    the task can define it, so the task fails at once.
    """


class SignalWireRequestError(SignalWireError, AirflowFailException):
    """SignalWire refused the request as malformed or invalid (400, 422 and other 4xx)."""


class SignalWireAuthError(SignalWireError, AirflowFailException):
    """SignalWire refused the credentials (401) or their permissions (403)."""


class SignalWireNotFoundError(SignalWireError, AirflowFailException):
    """
    The account, conference, stream or other resource does not exist (404).

    ``after_lost_response`` is true when an earlier attempt of the same call may have reached
    SignalWire but its answer was lost; a 404 then can mean the earlier attempt already did the job.

    :param after_lost_response: an earlier attempt of the same call may have been delivered.
    """

    def __init__(self, message: str, *, after_lost_response: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.after_lost_response = after_lost_response

    def details(self) -> dict[str, Any]:
        """Return the keyword arguments that rebuild this error with another message."""
        return {**super().details(), "after_lost_response": self.after_lost_response}


class SignalWireRateLimitError(SignalWireError):
    """SignalWire kept answering 429 until the retries ran out, or asked for too long a wait."""


class SignalWireServerError(SignalWireError):
    """SignalWire answered 5xx until the retries ran out, or with an error that is not retried."""


class SignalWireResponseError(SignalWireError, AirflowFailException):
    """SignalWire answered success without the expected JSON object, or redirected."""


class SignalWireConnectionError(SignalWireError):
    """
    The request failed in transport (refused, reset, timed out) until the retries ran out.

    ``maybe_delivered`` is false only where the request provably never reached SignalWire
    (the connection was refused or never established).

    :param maybe_delivered: the request may have reached SignalWire before it failed.
    """

    def __init__(self, message: str, *, maybe_delivered: bool = True, **details: Any) -> None:
        super().__init__(message, **details)
        self.maybe_delivered = maybe_delivered

    def details(self) -> dict[str, Any]:
        """Return the keyword arguments that rebuild this error with another message."""
        return {**super().details(), "maybe_delivered": self.maybe_delivered}


class SignalWireTLSError(SignalWireConnectionError, AirflowFailException):
    """The server's TLS certificate was not trusted; waiting cannot change that, so no retry."""

    def __init__(self, message: str, *, maybe_delivered: bool = False, **details: Any) -> None:
        super().__init__(message, maybe_delivered=maybe_delivered, **details)


class SignalWireNotificationError(SignalWireError):
    """
    A notification reached only some of its recipients (or none).

    :param message: names each recipient that got nothing, and why; never a secret.
    :param failures: each recipient that got nothing, and its error.
    """

    def __init__(self, message: str, *, failures: dict[str, SignalWireError]) -> None:
        super().__init__(message)
        self.failures = failures


class SignalWireCancelledError(SignalWireConnectionError):
    """
    The task was killed (``on_kill``): the request was cut off, or never sent; no retry.

    Airflow's own task ``retries`` still apply, as for any killed task.
    """
