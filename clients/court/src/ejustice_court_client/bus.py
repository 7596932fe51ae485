"""The court's end of the platform's RabbitMQ: consume its own queue, publish notices on its own key.

The court's broker account (set up by the platform's `scripts/infra.sh court-accounts`) may read only
`<namespace>.court.<court id>` and publish only on `by-court.<court id>.…`: everything else is refused.
The court's id is read from the account's name, `court-<court id>`.
"""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]


def court_of(amqp_url: str) -> str:
    user = unquote(urlsplit(amqp_url).username or "")
    if not user.startswith("court-"):
        raise ValueError("the broker account of a court is named court-<court id>")
    return user.removeprefix("court-")


def notice_envelope(court_id: str, notice: dict[str, Any]) -> dict[str, Any]:
    """The envelope the platform reads (its schemas: envelope.json, court_notice.posted.v1.json)."""
    key = f"by-court.{court_id}.notice.posted"
    return {"id": str(uuid.uuid4()), "type": "court_notice.posted", "version": 1, "source": f"court-{court_id}",
            "time": datetime.now(UTC).isoformat(), "subject": str(notice.get("reference", "")),
            "correlation_id": uuid.uuid4().hex, "routing_key": key,
            "data": {"court_id": court_id, "notice": notice}}


class CourtBus:
    def __init__(self, amqp_url: str, *, namespace: str = "ejustice"):
        self.amqp_url = amqp_url
        self.namespace = namespace
        self.court_id = court_of(amqp_url)

    async def publish_notice(self, notice: dict[str, Any]) -> str:
        """Publish a notice on the court's own key, confirmed by the broker; returns the envelope id."""
        envelope = notice_envelope(self.court_id, notice)
        connection = await aio_pika.connect(self.amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(f"{self.namespace}.events", ensure=False)
            await exchange.publish(
                aio_pika.Message(json.dumps(envelope).encode(), message_id=envelope["id"], type=envelope["type"],
                                 content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=envelope["routing_key"], timeout=30)
        finally:
            await connection.close()
        return envelope["id"]

    async def listen(self, handle: Handler, *, count: int | None = None, idle_seconds: float | None = None) -> int:
        """Hand each event on the court's queue to `handle`, acking it after; stop after `count` events or when
        `idle_seconds` pass without one. Returns how many were handled."""
        connection = await aio_pika.connect(self.amqp_url)
        handled = 0
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=16)
            queue = await channel.get_queue(f"{self.namespace}.court.{self.court_id}", ensure=False)
            async with queue.iterator() as messages:
                while count is None or handled < count:
                    try:
                        message = await asyncio.wait_for(messages.__anext__(), idle_seconds)
                    except (TimeoutError, StopAsyncIteration):
                        break
                    async with message.process(requeue=True):
                        result = handle(json.loads(message.body))
                        if asyncio.iscoroutine(result):
                            await result
                    handled += 1
        finally:
            await connection.close()
        return handled
