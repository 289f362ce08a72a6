"""
Text people through SignalWire when a task or a DAG run fails (or whenever a callback fires).

Importing this module loads no HTTP library: the hooks load when a notification is sent, so DAG
files that attach the notifier parse fast.
"""

from __future__ import annotations

import re
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

#: An E.164 number as SignalWire takes it: ``+`` and 2-15 digits.
E164_NUMBER = re.compile(r"\+[0-9]{2,15}")
#: What may separate the numbers of one ``to`` string.
RECIPIENT_SEPARATORS = re.compile(r"[,;\s]+")
#: The longest body SignalWire accepts.
MAX_SMS_BODY = 1600
ELLIPSIS = "\u2026"


class SignalWireNotifier(BaseNotifier):
    """
    Send an SMS (or MMS) through SignalWire to each recipient: one message per recipient.

    Works as a task callback, a DAG callback (``notify``) and in the triggerer (``async_notify``).
    A failure callback runs when something already went wrong, so the notifier is lenient with
    what it is given and strict about what it sends:

    * ``to`` may be a list, or one string of numbers separated by commas, semicolons, spaces or
      newlines (as a Variable is often written); empty items are ignored and a number listed
      twice gets one message. A value that is not an E.164 number is refused, before anything is
      sent, with an error naming it.
    * The rendered body goes through Airflow's secrets masker, so a password or token that the
      task's logs show as ``***`` is ``***`` in the SMS too.
    * A body longer than SignalWire's 1,600 characters is cut to fit: its start is kept and it
      ends with ``…``.
    * If the body template fails to render, a fallback text naming the DAG, the task and the run
      is sent instead (and the rendering error is logged).
    * A recipient whose message fails does not stop the others. The log names the recipients
      reached; once all were tried, the notifier raises
      :class:`~airflow_provider_signalwire.exceptions.SignalWireNotificationError` naming the
      recipients that got nothing.

    :param to: the recipients: a list of E.164 numbers (``+`` and 2-15 digits), or one string of
        them separated by commas, semicolons or whitespace. Templated.
    :param body: the text. Templated, e.g.
        ``"{{ dag.dag_id }}/{{ ti.task_id }} failed: {{ ti.log_url }}"``; masked and cut to
        1,600 characters after rendering.
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
        Render ``to``, ``body`` and ``from_number`` in place; a body that fails becomes a fallback.

        :param context: the Airflow context.
        :param jinja_env: the Jinja environment; by default the DAG's.
        """
        dag = context.get("dag")
        if jinja_env is None and dag is not None and not hasattr(dag, "get_template_env"):
            # `airflow dags test` hands DAG callbacks the scheduler's SerializedDAG, which has no
            # template environment (apache/airflow#64649): render in the plain sandbox instead.
            jinja_env = self.get_template_env()
        if jinja_env is None:
            jinja_env = self.get_template_env(dag=dag)
        self._do_render_template_fields(self, ("to", "from_number"), context, jinja_env, set())
        try:
            self._do_render_template_fields(self, ("body",), context, jinja_env, set())
        except Exception as err:  # a broken template must not cost the page
            self.log.error(
                "The notification body could not be rendered (%s: %s); sending a fallback text",
                type(err).__name__,
                err,
            )
            self.body = fallback_body(context)
        self._rendered = True

    def _render_once(self, context: Context) -> None:
        """
        Render for a caller that invokes ``notify``/``async_notify`` directly with a context.

        Airflow renders before it calls them; rendering twice could turn text a template put in
        (an error message holding ``{{ ... }}``) into a template of its own.
        """
        if context and not self._rendered:
            self.render_template_fields(context)

    def _recipients(self, message: dict[str, Any]) -> list[str]:
        """Check every argument for every recipient, then return the recipients."""
        from airflow_provider_signalwire.hooks._messages import draft_message

        recipients = parse_recipients(self.to)
        for number in recipients:
            draft_message(number, **message)
        return recipients

    def _message(self) -> dict[str, Any]:
        return {
            "body": outgoing_body(self.body),
            "from_number": self.from_number,
            "messaging_service_sid": self.messaging_service_sid,
            "media_url": self.media_url,
        }

    def _sent(self, number: str, message: dict[str, Any]) -> None:
        self.log.info("SMS %s to %s: %s", message.get("sid"), number, message.get("status"))

    def _failed(self, number: str, error: SignalWireError) -> SignalWireError:
        self.log.warning("SMS to %s failed: %s", number, error)
        return error

    def _finish(self, recipients: list[str], failures: dict[str, SignalWireError]) -> None:
        reached = [number for number in recipients if number not in failures]
        self.log.info(
            "SignalWire notification reached %d of %d recipient(s): %s",
            len(reached),
            len(recipients),
            ", ".join(reached) or "none",
        )
        if failures:
            raise _not_delivered(failures, len(recipients))

    def notify(self, context: Context) -> None:
        """
        Send the message to every recipient (in a task, or in the DAG processor).

        :param context: the Airflow context the templates were rendered with.
        """
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        self._render_once(context)
        message = self._message()
        recipients = self._recipients(message)
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
        self._finish(recipients, failures)

    async def async_notify(self, context: Context) -> None:
        """
        Send the message to every recipient without blocking the event loop (in the triggerer).

        :param context: the Airflow context the templates were rendered with.
        """
        from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook

        self._render_once(context)
        message = self._message()
        recipients = self._recipients(message)
        failures: dict[str, SignalWireError] = {}
        async with SignalWireAsyncHook(self.signalwire_conn_id) as hook:
            for number in recipients:
                try:
                    self._sent(number, await hook.send_message(number, **message))
                except SignalWireValidationError:
                    raise
                except SignalWireError as err:
                    failures[number] = self._failed(number, err)
        self._finish(recipients, failures)


def parse_recipients(to: object) -> list[str]:
    """
    Return the recipients of a notification, each once, in order.

    :param to: a list of numbers, or one string of numbers separated by commas, semicolons or
        whitespace (newlines included); a list item may itself be such a string. Empty items
        are ignored.
    :raises SignalWireValidationError: nothing is left, or an item is not an E.164 number (the
        error names it and the whole ``to``).
    """
    items = [to] if isinstance(to, str) else to
    if not isinstance(items, list | tuple):
        raise invalid_to(to, to, "expected E.164 numbers as a list or a separated string")
    numbers: list[str] = []
    for item in items:
        parts = RECIPIENT_SEPARATORS.split(item) if isinstance(item, str) else [item]
        for part in parts:
            if part == "":
                continue
            if not isinstance(part, str) or E164_NUMBER.fullmatch(part) is None:
                raise invalid_to(part, to, "expected an E.164 number: + and 2-15 digits")
            numbers.append(part)
    if not numbers:
        raise invalid_to(to, to, "no recipient: expected at least one E.164 number")
    return list(dict.fromkeys(numbers))


def invalid_to(part: object, to: object, reason: str) -> SignalWireValidationError:
    """Build the error for a bad ``to``, naming the bad item and, if it differs, the whole value."""
    shown = _shown(part)
    whole = "" if part is to else f" (in to={_shown(to)})"
    return SignalWireValidationError(f"Invalid to {shown}{whole}: {reason}.")


def _shown(value: object, limit: int = 120) -> str:
    try:
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**100 else "<huge int>"
    except ValueError:  # a list holding an int past Python's 4300-digit conversion limit
        text = f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def outgoing_body(body: object) -> object:
    """
    Return the body as it may leave: masked by Airflow's secrets masker and cut to fit.

    A body that is not a string is returned as it is, for the message check to refuse by name.

    :param body: the rendered body.
    """
    if not isinstance(body, str):
        return body
    from airflow.sdk._shared.secrets_masker import redact

    text = str(redact(body))
    # A lone surrogate (from a badly decoded exception text) cannot be sent: show it as U+FFFD.
    text = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    if len(text) > MAX_SMS_BODY:
        text = text[: MAX_SMS_BODY - len(ELLIPSIS)] + ELLIPSIS
    return text


def fallback_body(context: Context) -> str:
    """
    Return the text sent when the body template fails: the DAG, the task and the run.

    :param context: the Airflow context of the callback.
    """
    dag = context.get("dag")
    ti = context.get("ti")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "?"
    task_id = getattr(ti, "task_id", None) or "-"
    run_id = context.get("run_id") or getattr(ti, "run_id", None) or "?"
    return (
        f"Airflow: DAG {dag_id}, task {task_id}, run {run_id} needs attention "
        "(the notification text could not be rendered; see the log)."
    )


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
