"""
Text people through SignalWire when a task or a DAG run fails (or whenever a callback fires).

Importing this module loads no HTTP library: the hooks load when a notification is sent, so DAG
files that attach the notifier parse fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireNotificationError,
    SignalWireValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jinja2
    from airflow.sdk import Context


class SignalWireNotifier(BaseNotifier):
    """
    Send an SMS (or MMS) through SignalWire to each recipient: one message per recipient.

    Works as a task callback, a DAG callback (``notify``) and in the triggerer (``async_notify``).
    Every argument is checked after templates render and before the first message is sent. A
    recipient whose message fails does not stop the others; once all were tried, the notifier
    raises :class:`~airflow_provider_signalwire.exceptions.SignalWireNotificationError` naming the
    recipients that got nothing.

    :param to: the recipients: one E.164 number (``+`` and 2-15 digits), a comma-separated string
        of them (what a template reading a Variable renders), or a list. Templated; a number
        listed twice gets one message.
    :param body: the text, at most 1,600 characters. Templated, e.g.
        ``"{{ dag.dag_id }}/{{ ti.task_id }} failed: {{ ti.log_url }}"``.
    :param from_number: the E.164 number to send from. Templated. Default: the connection's
        Default From number, unless ``messaging_service_sid`` is given.
    :param messaging_service_sid: send through this messaging service instead of a From number.
    :param media_url: an ``https://`` URL of media to attach (MMS), or a list of them.
    :param signalwire_conn_id: the ``signalwire`` connection to send with.
    :param context: the Airflow context, for callers that await the notifier directly.
    """

    template_fields = ("to", "body", "from_number")

    def __init__(
        self,
        *,
        to: str | Sequence[str],
        body: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        media_url: str | Sequence[str] | None = None,
        signalwire_conn_id: str = "signalwire_default",
        context: Context | None = None,
    ) -> None:
        super().__init__(context)
        self.to = to
        self.body = body
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.media_url = media_url
        self.signalwire_conn_id = signalwire_conn_id
        self._rendered = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(to={self.to!r}, conn_id={self.signalwire_conn_id!r})"

    def render_template_fields(
        self, context: Context, jinja_env: jinja2.Environment | None = None
    ) -> None:
        """
        Render ``to``, ``body`` and ``from_number`` in place.

        :param context: the Airflow context.
        :param jinja_env: the Jinja environment; by default the DAG's.
        """
        dag = context.get("dag")
        if jinja_env is None and dag is not None and not hasattr(dag, "get_template_env"):
            # `airflow dags test` hands DAG callbacks the scheduler's SerializedDAG, which has no
            # template environment (apache/airflow#64649): render in the plain sandbox instead.
            jinja_env = self.get_template_env()
        super().render_template_fields(context, jinja_env)
        self._rendered = True

    def _render_once(self, context: Context) -> None:
        """
        Render for a caller that invokes ``notify``/``async_notify`` directly with a context.

        Airflow renders before it calls them; rendering twice could turn text a template put in
        (an error message holding ``{{ ... }}``) into a template of its own.
        """
        if context and not self._rendered:
            self.render_template_fields(context)

    def _recipients(self) -> list[str]:
        """Check every argument for every recipient, then return the recipients."""
        from airflow_provider_signalwire.hooks._messages import draft_message, validate_recipients

        recipients = validate_recipients(self.to)
        for number in recipients:
            draft_message(number, **self._message())
        return recipients

    def _message(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "from_number": self.from_number,
            "messaging_service_sid": self.messaging_service_sid,
            "media_url": self.media_url,
        }

    def _sent(self, number: str, message: dict[str, Any]) -> None:
        self.log.info("SMS %s to %s: %s", message.get("sid"), number, message.get("status"))

    def _failed(self, number: str, error: SignalWireError) -> SignalWireError:
        self.log.warning("SMS to %s failed: %s", number, error)
        return error

    def notify(self, context: Context) -> None:
        """
        Send the message to every recipient (in a task, or in the DAG processor).

        :param context: the Airflow context the templates were rendered with.
        """
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        self._render_once(context)
        recipients = self._recipients()
        message = self._message()
        failures: dict[str, SignalWireError] = {}
        hook = SignalWireHook(self.signalwire_conn_id)
        try:
            for number in recipients:
                try:
                    self._sent(number, hook.send_message(number, **message))
                except SignalWireValidationError:
                    raise  # the same for every recipient (no sender, bad connection): stop now
                except SignalWireError as err:
                    failures[number] = self._failed(number, err)
        finally:
            hook.close()
        if failures:
            raise _not_delivered(failures, len(recipients))

    async def async_notify(self, context: Context) -> None:
        """
        Send the message to every recipient without blocking the event loop (in the triggerer).

        :param context: the Airflow context the templates were rendered with.
        """
        from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

        self._render_once(context)
        recipients = self._recipients()
        message = self._message()
        failures: dict[str, SignalWireError] = {}
        async with SignalWireAsyncHook(self.signalwire_conn_id) as hook:
            for number in recipients:
                try:
                    self._sent(number, await hook.send_message(number, **message))
                except SignalWireValidationError:
                    raise
                except SignalWireError as err:
                    failures[number] = self._failed(number, err)
        if failures:
            raise _not_delivered(failures, len(recipients))


def _not_delivered(
    failures: dict[str, SignalWireError], recipients: int
) -> SignalWireNotificationError:
    detail = "; ".join(
        f"{number} ({type(err).__name__}: {err})" for number, err in failures.items()
    )
    return SignalWireNotificationError(
        f"SignalWire notification: {len(failures)} of {recipients} recipient(s) got no message: "
        f"{detail}",
        failures=failures,
    )


send_signalwire_notification = SignalWireNotifier
