"""
The connection: what both hooks share, and a ``signalwire`` Airflow connection read into settings.

The connection's host is the Space URL, its login the Project ID, its password the API token;
optional extras are ``timeout`` (read timeout, seconds), ``connect_timeout`` (seconds),
``verify`` (``true``/``false`` or the path of a CA bundle) and ``from_number`` (the Default From
number of messages). :class:`SignalWireHookBase` holds what the sync and async hooks really
share: the connection's identity, the retry knobs, ``repr``, ``for_owner`` and the connection
form. Both hooks build their clients from :class:`SignalWireSettings`.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from airflow.sdk import BaseHook

from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import (
    MAX_TIMEOUT_SECONDS,
    check_max_pages,
    check_retry_knobs,
    check_seconds,
    check_timeout,
    exact_netloc,
    invalid,
    is_valid_host,
    validate_sid,
)
from airflow_provider_signalwire.hooks._errors import credential_variants, mask_secrets
from airflow_provider_signalwire.hooks._messages import validate_phone_number

if TYPE_CHECKING:
    from collections.abc import Mapping

# -- the hooks' shared base --------------------------------------------------------------------

#: Pages one listing reads at most, unless the hook is told otherwise.
DEFAULT_MAX_PAGES = 1000

HookT = TypeVar("HookT", bound="SignalWireHookBase")


class SignalWireHookBase(BaseHook):
    """
    The connection identity and retry knobs of a SignalWire hook; no I/O in the constructor.

    Both hooks take these arguments; they are documented on
    :class:`~airflow_provider_signalwire.hooks.signalwire.SignalWireHook`.
    """

    conn_name_attr = "signalwire_conn_id"
    default_conn_name = "signalwire_default"
    conn_type = "signalwire"
    hook_name = "SignalWire"

    def __init__(
        self,
        signalwire_conn_id: str = default_conn_name,
        *,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        super().__init__()
        check_retry_knobs(max_attempts, initial_backoff, max_backoff)
        self.max_pages = check_max_pages(max_pages)
        self.timeout = (
            None if timeout is None else check_seconds("timeout", timeout, high=MAX_TIMEOUT_SECONDS)
        )
        self.signalwire_conn_id = signalwire_conn_id
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff

    @classmethod
    def for_owner(cls: type[HookT], owner: Any, **kwargs: Any) -> HookT:
        """
        Build a hook with the connection id and retry knobs of an operator, sensor or trigger.

        :param owner: has ``signalwire_conn_id``, ``max_attempts``, ``initial_backoff`` and
            ``max_backoff``.
        :param kwargs: further arguments of the hook class.
        """
        return cls(
            owner.signalwire_conn_id,
            max_attempts=owner.max_attempts,
            initial_backoff=owner.initial_backoff,
            max_backoff=owner.max_backoff,
            **kwargs,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(signalwire_conn_id={self.signalwire_conn_id!r}, "
            f"max_attempts={self.max_attempts}, timeout={self.timeout})"
        )


# -- settings ----------------------------------------------------------------------------------

_LOOPBACK_NAMES = frozenset({"localhost"})
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0


@dataclass(frozen=True)
class SignalWireSettings:
    """
    Everything needed to talk to one SignalWire Space; ``repr()`` never shows the token.

    What every request reads (``timeout``, ``origin``, ``secrets``) is derived once.

    :param base_url: origin of the Space, e.g. ``https://example.signalwire.com``.
    :param project_id: the Project ID (Basic auth user and default ``AccountSid``).
    :param token: the API token (Basic auth password).
    :param connect_timeout: seconds to establish a connection.
    :param read_timeout: seconds to wait for the answer.
    :param verify: verify TLS certificates (``True``), not (``False``), or a CA bundle path.
    :param from_number: the Default From number of messages (E.164), if the connection sets one.
    """

    base_url: str
    project_id: str
    token: str = field(repr=False)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    verify: bool | str = True
    from_number: str | None = None

    @cached_property
    def timeout(self) -> tuple[float, float]:
        """The ``(connect, read)`` timeouts as requests takes them."""
        return (self.connect_timeout, self.read_timeout)

    @cached_property
    def origin(self) -> str:
        """The Space's ``host:port`` as error messages name it."""
        netloc = self.base_url.split("://", 1)[1]
        default = "443" if self.base_url.startswith("https:") else "80"
        return netloc if netloc.rsplit("]", 1)[-1].count(":") else f"{netloc}:{default}"

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """The token and the ``Authorization`` values derived from it, to scrub from output."""
        return credential_variants(self.project_id, self.token)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_space_url(value: object) -> str:
    """
    Turn the connection's host into the origin requests go to, e.g. ``https://example.signalwire.com``.

    Accepted: ``example.signalwire.com``, ``https://example.signalwire.com`` (with or without a
    trailing slash, with an optional port), and plain ``http://`` only for a loopback host such as
    ``http://127.0.0.1:8765``, where a local emulator runs.

    :param value: the Space URL as the user gave it.
    """
    if not isinstance(value, str) or not value.strip():
        raise invalid("Space URL", value, "set the connection's host, e.g. example.signalwire.com")
    text = value.strip()
    if not text.isascii() or any(char.isspace() or not char.isprintable() for char in text):
        raise invalid("Space URL", value, "only printable ASCII without spaces is allowed")
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise invalid("Space URL", value, f"not a URL ({err})") from None
    host = parts.hostname or ""
    if parts.scheme not in {"https", "http"}:
        raise invalid("Space URL", value, "the scheme must be https://")
    if parts.username is not None or parts.password is not None:
        raise invalid(
            "Space URL", value, "credentials belong in the Project ID and API Token fields"
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise invalid("Space URL", value, "give only the host, without a path, query or fragment")
    if host and parts.scheme == "http" and not _is_loopback(host):
        raise invalid("Space URL", value, "plain http:// is allowed only for loopback hosts")
    if not host or not is_valid_host(host) or not exact_netloc(parts):
        raise invalid("Space URL", value, "not a valid host name")
    if port == 0:
        raise invalid("Space URL", value, "the port must be from 1 to 65535")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc.lower()}"


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
        f"Invalid verify {value!r} (extra verify): expected true, false or the path of an "
        "existing CA bundle."
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
    if not password.isascii():
        # requests would send it as Latin-1, httpx as UTF-8, and anything past Latin-1 cannot
        # be sent at all: SignalWire's tokens are ASCII, so refuse, without showing it.
        raise SignalWireValidationError(
            f"Connection {conn_id!r}: the API Token (connection password) holds non-ASCII "
            "characters; SignalWire API tokens are ASCII. Check what was pasted."
        )
    try:
        read_timeout = check_timeout(timeout) or check_timeout(
            extra.get("timeout"), "timeout (extra timeout)"
        )
        connect_timeout = check_timeout(
            extra.get("connect_timeout"), "connect_timeout (extra connect_timeout)"
        )
        verify = _verify(extra.get("verify"))
        from_number = extra.get("from_number") or None
        if from_number is not None:
            validate_phone_number("Default From number (extra from_number)", from_number)
    except SignalWireValidationError as err:
        raise SignalWireValidationError(f"Connection {conn_id!r}: {err}") from None
    return SignalWireSettings(
        base_url=base_url,
        project_id=project_id,
        token=password,
        connect_timeout=connect_timeout or DEFAULT_CONNECT_TIMEOUT,
        read_timeout=read_timeout or DEFAULT_READ_TIMEOUT,
        verify=verify,
        from_number=from_number,
    )


def connection_not_found(conn_id: str) -> SignalWireConnectionNotFoundError:
    """
    Build the error for a connection id that no backend defines, saying how to define it.

    :param conn_id: the missing connection's id.
    """
    return SignalWireConnectionNotFoundError(
        f"The conn_id `{conn_id}` isn't defined. Define it with the environment variable "
        f"AIRFLOW_CONN_{conn_id.upper()} (a JSON object with conn_type signalwire, host, login "
        "and password), or in the Airflow UI under Admin > Connections > Add, connection type "
        "SignalWire."
    )


def _names_port(space: str) -> bool:
    """Tell whether the Space URL has a port of its own (after an IPv6 literal's ``]``)."""
    netloc = space.split("://", 1)[-1].partition("/")[0]
    return netloc.rpartition("]")[2].count(":") == 1


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
        mask_secrets(*credential_variants(conn.login, conn.password))
    return settings_from_connection(
        host=conn.host,
        login=conn.login,
        password=conn.password,
        port=conn.port,
        extra=extra,
        conn_id=conn_id,
        timeout=timeout,
    )


# -- the connection form on Airflow 3.1 ----------------------------------------------------------


def _connection_type_info() -> dict[str, Any]:
    from airflow_provider_signalwire.get_provider_info import get_provider_info

    [connection_type] = get_provider_info()["connection-types"]
    return dict(connection_type)


def ui_field_behaviour() -> dict[str, Any]:
    """Return hidden fields, relabeling and placeholders in Airflow 3.1's format."""
    behaviour = _connection_type_info()["ui-field-behaviour"]
    return {
        "hidden_fields": list(behaviour["hidden-fields"]),
        "relabeling": dict(behaviour["relabeling"]),
        "placeholders": dict(behaviour["placeholders"]),
    }


def connection_form_widgets() -> dict[str, Any]:
    """Return the extra fields as Airflow 3.1's WTForms fields (imported only here)."""
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import StringField

    return {
        name: StringField(
            lazy_gettext(field["label"]),
            widget=BS3TextFieldWidget(),
            description=field.get("description", ""),
        )
        for name, field in _connection_type_info()["conn-fields"].items()
    }
