"""The test's end of a platform's exchange: it publishes envelopes as other services would and spies on events."""

import asyncio
import json

import aio_pika

from ejustice_shared.events import Envelope
from tests.support.stores import AMQP_URL


class Bus:
    def __init__(self, namespace: str, patterns: tuple[str, ...] = ()):
        """`patterns`: the routing keys it spies on (none for a bus that only publishes)."""
        self.namespace = namespace
        self.patterns = patterns
        self.seen: list[dict] = []

    async def open(self) -> "Bus":
        # No heartbeats: a test may block its event loop for minutes while it waits for a service.
        separator = "&" if "?" in AMQP_URL else "?"
        self.connection = await aio_pika.connect(f"{AMQP_URL}{separator}heartbeat=0")
        channel = await self.connection.channel(publisher_confirms=True)
        self.exchange = await channel.declare_exchange(f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC,
                                                       durable=True)
        self.spy = await channel.declare_queue(exclusive=True)
        for pattern in self.patterns:
            await self.spy.bind(self.exchange, pattern)
        return self

    async def close(self) -> None:
        await self.connection.close()

    async def publish(self, envelope: Envelope) -> None:
        await self.exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id,
                                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                    routing_key=envelope.routing_key, mandatory=True)

    async def events(self, event_type: str, **data) -> list[dict]:
        while (message := await self.spy.get(fail=False)) is not None:
            await message.ack()
            self.seen.append(json.loads(message.body))
        return [e for e in self.seen if e["type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())]

    async def wait_for(self, event_type: str, *, count: int = 1, timeout: float = 30.0, **data) -> list[dict]:
        for _ in range(int(timeout / 0.1)):
            if len(found := await self.events(event_type, **data)) >= count:
                return found
            await asyncio.sleep(0.1)
        raise AssertionError(f"{count} {event_type} {data} not published; saw {[e['type'] for e in self.seen]}")
