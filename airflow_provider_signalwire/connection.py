"""
Read a ``signalwire`` Airflow connection into validated settings.

The connection's host is the Space URL, its login the Project ID, its password the API token;
optional extras are ``timeout`` (read timeout, seconds), ``connect_timeout`` (seconds) and
``verify`` (``true``/``false`` or the path of a CA bundle). The synchronous hook and the
asynchronous trigger both build their clients from :class:`SignalWireSettings`.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.validation import normalize_space_url, validate_sid

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0


@dataclass(frozen=True)
class SignalWireSettings:
    """
    Everything needed to talk to one SignalWire Space; ``repr()`` never shows the token.

    :param base_url: origin of the Space, e.g. ``https://example.signalwire.com``.
    :param project_id: the Project ID (Basic auth user and default ``AccountSid``).
    :param token: the API token (Basic auth password).
    :param connect_timeout: seconds to establish a connection.
    :param read_timeout: seconds to wait for each read of the answer.
    :param verify: verify TLS certificates (``True``), not (``False``), or a CA bundle path.
    """

    base_url: str
    project_id: str
    token: str = field(repr=False)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    verify: bool | str = True

    @property
    def timeout(self) -> tuple[float, float]:
        """The ``(connect, read)`` timeouts as requests takes them."""
        return (self.connect_timeout, self.read_timeout)


def _seconds(name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 < seconds <= 3600:
        raise SignalWireValidationError(
            f"Invalid {name} {value!r}: expected a number of seconds between 0 and 3600."
        )
    return seconds


def _verify(value: Any) -> bool | str:
    if value is None or value == "" or value is True:
        return True
    if value is False:
        return False
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "yes", "1", "on"}:
            return True
        if lowered in {"false", "no", "0", "off"}:
            return False
        if os.path.exists(value):
            return value
    raise SignalWireValidationError(
        f"Invalid verify {value!r}: expected true, false or the path of an existing CA bundle."
    )


def settings_from_connection(
    *,
    host: str | None,
    login: str | None,
    password: str | None,
    port: int | None,
    extra: Mapping[str, Any],
    conn_id: str,
    timeout: float | None = None,
) -> SignalWireSettings:
    """
    Validate a connection's fields and build the settings.

    :param host: the Space URL.
    :param login: the Project ID.
    :param password: the API token.
    :param port: a port given separately from the host (used only if the host names none).
    :param extra: the connection's extras.
    :param conn_id: the connection id, for messages.
    :param timeout: read timeout that overrides the connection's ``timeout`` extra.
    """
    space = host or ""
    if port and space and not _names_port(space):
        space = f"{space.rstrip('/')}:{port}"
    try:
        base_url = normalize_space_url(space)
        project_id = validate_sid("Project ID (connection login)", login)
    except SignalWireValidationError as err:
        raise SignalWireValidationError(f"Connection {conn_id!r}: {err}") from None
    if not password:
        raise SignalWireValidationError(
            f"Connection {conn_id!r}: the API Token (connection password) is empty."
        )
    read_timeout = _seconds("timeout", timeout) or _seconds("timeout", extra.get("timeout"))
    connect_timeout = _seconds("connect_timeout", extra.get("connect_timeout"))
    return SignalWireSettings(
        base_url=base_url,
        project_id=project_id,
        token=password,
        connect_timeout=connect_timeout or DEFAULT_CONNECT_TIMEOUT,
        read_timeout=read_timeout or DEFAULT_READ_TIMEOUT,
        verify=_verify(extra.get("verify")),
    )


def _names_port(space: str) -> bool:
    netloc = space.split("://", 1)[-1].split("/", 1)[0]
    return netloc.rsplit("]", 1)[-1].count(":") == 1


def mask_secrets(*secrets: str) -> None:
    """
    Register secrets with this process's log masker, so task logs show ``***`` instead.

    Only the local masker is told: task logs are redacted in the task process before they leave
    it, and ``airflow.sdk.log.mask_secret`` would also send each value to the supervisor in a
    message that ``airflow dags test`` prints verbatim at DEBUG level.
    """
    try:
        from airflow.sdk._shared.secrets_masker import _secrets_masker
    except ImportError:  # pragma: no cover - layouts other than the tested Airflow releases
        from airflow.sdk.log import mask_secret

        for secret in secrets:
            mask_secret(secret)
        return
    masker = _secrets_masker()
    for secret in secrets:
        masker.add_mask(secret)


def settings_from_airflow_connection(
    conn: Any, extra: Mapping[str, Any], *, conn_id: str, timeout: float | None = None
) -> SignalWireSettings:
    """
    Mask an Airflow connection's secrets in logs, then validate it into settings.

    :param conn: the Airflow ``Connection`` (host, login, password, port are read).
    :param extra: its extras, already parsed (sync and async callers read them differently).
    :param conn_id: the connection id, for messages.
    :param timeout: read timeout that overrides the connection's ``timeout`` extra.
    """
    if conn.password:
        basic = base64.b64encode(f"{conn.login or ''}:{conn.password}".encode()).decode()
        mask_secrets(conn.password, basic, f"Basic {basic}")
    return settings_from_connection(
        host=conn.host,
        login=conn.login,
        password=conn.password,
        port=conn.port,
        extra=extra,
        conn_id=conn_id,
        timeout=timeout,
    )
