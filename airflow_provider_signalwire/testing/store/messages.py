"""Messages (SMS and MMS): their records, their API rendering and their store."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from airflow_provider_signalwire.testing.store.space import API_VERSION, JSONDict, rfc2822

if TYPE_CHECKING:
    from datetime import datetime

    from airflow_provider_signalwire.testing.store.space import Space


def segments(body: str | None) -> int:
    """
    Count the SMS segments of a text.

    160 characters fit one segment, or 153 per segment of a longer text; 70 and 67 once the text
    holds anything beyond ASCII (sent as UCS-2). Real GSM-7 counting differs in a few characters.

    :param body: the text, or ``None`` for a media-only message.
    """
    if not body:
        return 1
    single, part = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / part)


@dataclass
class Message:
    """
    An outbound message, as sent.

    :param sid: the message SID.
    :param to: the recipient.
    :param sender: the From number; empty when a messaging service picks it.
    :param body: the text, or ``None``.
    :param media_urls: the media URLs, in the order given.
    :param messaging_service_sid: the messaging service it went through, or ``None``.
    :param date_created: when it was created.
    :param options: the other fields sent (``StatusCallback``, ``ValidityPeriod``, ...).
    """

    sid: str
    to: str
    sender: str
    body: str | None
    media_urls: list[str]
    messaging_service_sid: str | None
    date_created: datetime
    options: dict[str, str] = field(default_factory=dict)


class MessageStore:
    """
    Every message sent, in order.

    :param space: the project (its lock guards this store too).
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._records: list[Message] = []

    def render(self, m: Message) -> JSONDict:
        """
        Render a message exactly as the create endpoint answers it.

        :param m: the record.
        """
        uri = f"{self.space.base_path}/Messages/{quote(m.sid, safe='')}"
        stamp = rfc2822(m.date_created)
        return {
            "account_sid": self.space.project_id,
            "api_version": API_VERSION,
            "body": m.body,
            "num_segments": segments(m.body),
            "num_media": len(m.media_urls),
            "date_created": stamp,
            "date_sent": None,
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": m.sender,
            "price": None,
            "price_unit": "USD",
            "sid": m.sid,
            "status": "queued",
            "to": m.to,
            "messaging_service_sid": m.messaging_service_sid,
            "uri": f"{uri}.json",
            "subresource_uris": {"media": f"{uri}/Media.json"},
        }

    def add(
        self,
        *,
        to: str,
        sender: str = "",
        body: str | None = None,
        media_urls: list[str] | None = None,
        messaging_service_sid: str | None = None,
        options: dict[str, str] | None = None,
    ) -> JSONDict:
        """
        Record a sent message and return its API object.

        :param to: the recipient.
        :param sender: the From number; empty when a messaging service picks it.
        :param body: the text.
        :param media_urls: the media URLs.
        :param messaging_service_sid: the messaging service, if any.
        :param options: the other fields sent, kept for inspection.
        """
        m = Message(
            str(uuid.uuid4()),
            to,
            sender,
            body,
            list(media_urls or []),
            messaging_service_sid,
            self.space.now(),
            dict(options or {}),
        )
        with self.space.lock:
            self._records.append(m)
            return self.render(m)

    def list(self) -> list[JSONDict]:
        """Return every message sent, oldest first, as the API rendered it."""
        with self.space.lock:
            return [self.render(m) for m in self._records]
