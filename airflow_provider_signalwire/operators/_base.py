"""What every SignalWire operator shares: connection arguments, retry knobs, the hook's life."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_signalwire._knobs import check_retry_knobs

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

#: Templated fields every SignalWire operator has.
CONNECTION_FIELDS = ("signalwire_conn_id", "account_sid")


class SignalWireBaseOperator(BaseOperator):
    """
    Shared arguments of the SignalWire operators.

    :param signalwire_conn_id: the ``signalwire`` connection to use.
    :param account_sid: account (Project ID) that owns the conference; defaults to the
        connection's Project ID.
    :param max_attempts: requests per API call, the first one included (retries of transient
        failures; separate from Airflow's task ``retries``): 1 to 100.
    :param initial_backoff: seconds before the second attempt (0 to 3600); doubles with every
        attempt.
    :param max_backoff: cap of the exponential wait in seconds, 0 to 3600 (a server-asked wait is
        not capped).

    Every numeric argument is checked when the DAG file is parsed: NaN, infinities, values out of
    range and wrong types raise
    :class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError` naming it.
    """

    ui_color = "#f72a72"

    def __init__(
        self,
        *,
        signalwire_conn_id: str = "signalwire_default",
        account_sid: str | None = None,
        max_attempts: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_retry_knobs(max_attempts, initial_backoff, max_backoff)
        self.signalwire_conn_id = signalwire_conn_id
        self.account_sid = account_sid
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff

    def _hook_kwargs(self) -> dict[str, Any]:
        return {}

    @cached_property
    def hook(self) -> SignalWireHook:
        """The hook, built on first use (never while the DAG file is parsed)."""
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        return SignalWireHook.for_owner(self, **self._hook_kwargs())

    def execute(self, context: Context) -> Any:
        """Make the operator's SignalWire call, then close the hook's connections."""
        try:
            return self.call_signalwire(context)
        finally:
            if "hook" in self.__dict__:
                self.hook.close()

    def on_kill(self) -> None:
        """
        End the task now (Airflow calls this on SIGTERM and after ``execution_timeout``).

        Requests in flight are cut off, so ``execute`` ends at once with
        :class:`~airflow_provider_signalwire.exceptions.SignalWireCancelledError`, and no new
        request starts; a bulk stop still pushes the outcomes it has.
        """
        if "hook" in self.__dict__:
            self.hook.abort()

    def call_signalwire(self, context: Context) -> Any:
        """Make the operator's SignalWire call and return its XCom value."""
        raise NotImplementedError
