"""What the synchronous and asynchronous SignalWire hooks share: identity, knobs, account."""

from __future__ import annotations

from typing import Any, TypeVar

from airflow.sdk import BaseHook

from airflow_provider_signalwire.hooks._validation import (
    check_max_pages,
    check_retry_knobs,
    check_timeout,
)

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
        self.timeout = check_timeout(timeout)
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
