"""The event bus on RabbitMQ (aio-pika), with its topology and reliability rules:

- one durable topic exchange for domain events and one direct exchange for dead letters;
- one quorum queue per consuming service: explicit delivery limit, max length with
  `reject-publish` overflow, at-least-once dead-lettering into `<queue>.dead`;
- publisher confirms, persistent messages, `mandatory` publishes that raise when returned;
- `message_id` is the event id; W3C trace context travels in the headers;
- a consumer that fails on a message requeues it until its last delivery, then sends it to the
  dead-letter queue with the reason; an unreadable message goes there at once.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from opentelemetry import context as otel_context
from opentelemetry import propagate
from pydantic import ValidationError

from ejustice_shared import metrics
from ejustice_shared.context import correlation_id
from ejustice_shared.events import Envelope, EventData
from ejustice_shared.faults import crash_point
from ejustice_shared.settings import ServiceSettings

log = structlog.get_logger()

Handler = Callable[[Envelope, Any], Awaitable[None]]
PUBLISH_TIMEOUT = 10.0
DECLARED_AT_ONCE = 8  # queues declared for others side by side, at start


class Topology:
    """Names of the exchanges and queues, all under one namespace."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.exchange = f"{namespace}.events"
        self.dead_exchange = f"{namespace}.dead"

    def queue(self, service: str) -> str:
        return f"{self.namespace}.{service}"

    def dead_queue(self, service: str) -> str:
        return f"{self.namespace}.{service}.dead"


class EventBus:
    def __init__(self, settings: ServiceSettings, service: str):
        self.settings = settings
        self.service = service
        self.topology = Topology(settings.bus_namespace)
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: aio_pika.abc.AbstractChannel | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._dead_exchange: aio_pika.abc.AbstractExchange | None = None
        self._consumers: list[tuple[aio_pika.abc.AbstractChannel, aio_pika.abc.AbstractQueue, str]] = []
        self._handlers: dict[str, tuple[type[EventData], Handler]] = {}
        self._bindings: set[str] = set()

    # --- connection ------------------------------------------------------------------------------

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self.settings.amqp_url, client_properties={"connection_name": f"ejustice-{self.service}"},
            reconnect_interval=1.0,
        )
        self._publish_channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._publish_channel.declare_exchange(
            self.topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        self._dead_exchange = await self._publish_channel.declare_exchange(
            self.topology.dead_exchange, aio_pika.ExchangeType.DIRECT, durable=True)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    def readiness(self) -> dict[str, str]:
        """Problems that make the service not ready; empty when the bus is fine."""
        problems: dict[str, str] = {}
        if self._connection is None or self._connection.is_closed:
            problems["broker"] = "not connected"
            return problems
        if self._publish_channel is None or self._publish_channel.is_closed:
            problems["broker"] = "publishing channel closed"
        for channel, queue, tag in self._consumers:
            try:
                active = not channel.is_closed and tag in channel.channel.consumers
            except Exception:  # the underlying channel is gone while reconnecting
                active = False
            if not active:
                problems[f"consumer:{queue.name}"] = "not consuming"
        return problems

    # --- publishing ------------------------------------------------------------------------------

    async def publish(self, envelope: Envelope) -> None:
        """Publish and wait for the broker's confirm; raises if it is returned, nacked or times out."""
        assert self._exchange is not None, "connect() first"
        message = aio_pika.Message(
            body=envelope.model_dump_json().encode(), content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=envelope.id, type=envelope.type,
            correlation_id=envelope.correlation_id, app_id=envelope.source,
            headers={**envelope.trace_headers(), "event-version": envelope.version},
        )
        parent = propagate.extract(envelope.trace_headers())
        token = otel_context.attach(parent)
        try:
            await self._exchange.publish(message, routing_key=envelope.routing_key, mandatory=True,
                                         timeout=PUBLISH_TIMEOUT)
        finally:
            otel_context.detach(token)
        metrics.EVENTS_PUBLISHED.labels(envelope.type).inc()

    # --- consuming -------------------------------------------------------------------------------

    def subscribe(self, event: type[EventData], handler: Handler, *, routing_key: str | None = None) -> None:
        """Handle events of this type; bind by the type, or by another routing key (a court's, say)."""
        self._handlers[event.type] = (event, handler)
        self._bindings.add(routing_key or event.type)

    def queue_arguments(self, consumer: str) -> dict[str, Any]:
        """The policy of every consuming queue: quorum, delivery limit, bounded length, dead letters kept."""
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.settings.delivery_limit,
            "x-max-length": self.settings.queue_max_length,
            "x-overflow": "reject-publish",
            "x-dead-letter-exchange": self.topology.dead_exchange,
            "x-dead-letter-routing-key": self.topology.queue(consumer),
            "x-dead-letter-strategy": "at-least-once",
        }

    async def declare_queue(self, channel: aio_pika.abc.AbstractChannel, consumer: str,
                            routing_keys: list[str]) -> aio_pika.abc.AbstractQueue:
        """Declare a consumer's queue (and its dead-letter queue) with the platform's policy, bound to the keys.

        Used for this service's own queue and for queues kept for others, such as each court's.
        """
        exchange = await channel.declare_exchange(self.topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        dead_exchange = await channel.declare_exchange(self.topology.dead_exchange, aio_pika.ExchangeType.DIRECT,
                                                       durable=True)
        name = self.topology.queue(consumer)
        dead = await channel.declare_queue(self.topology.dead_queue(consumer), durable=True,
                                           arguments={"x-queue-type": "quorum"})
        await dead.bind(dead_exchange, routing_key=name)
        queue = await channel.declare_queue(name, durable=True, arguments=self.queue_arguments(consumer))
        for routing_key in routing_keys:
            await queue.bind(exchange, routing_key=routing_key)
        return queue

    async def declare_queues(self, queues: dict[str, list[str]]) -> None:
        """Declare queues for other consumers ({consumer: routing keys}), several at once, each on a channel of
        its own (a channel answers one declaration at a time; a new quorum queue takes the broker a while)."""
        assert self._connection is not None, "connect() first"
        at_once = asyncio.Semaphore(DECLARED_AT_ONCE)

        async def declare(consumer: str, routing_keys: list[str]) -> None:
            async with at_once:
                channel = await self._connection.channel()
                try:
                    await self.declare_queue(channel, consumer, routing_keys)
                finally:
                    await channel.close()

        await asyncio.gather(*(declare(consumer, keys) for consumer, keys in queues.items()))

    async def start_consuming(self) -> None:
        """Declare this service's queue and its dead-letter queue, bind the subscriptions, consume."""
        if not self._handlers:
            return
        assert self._connection is not None, "connect() first"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.settings.prefetch)
        queue = await self.declare_queue(channel, self.service, sorted(self._bindings))
        tag = await queue.consume(self._on_message, consumer_tag=f"ejustice-{self.service}-{id(self):x}")
        self._consumers.append((channel, queue, tag))
        log.info("consuming", queue=queue.name, events=sorted(self._handlers))

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.model_validate_json(message.body)
            if message.routing_key and envelope.routing_key != message.routing_key:
                # The key it travelled on is the one the broker checked (a court may publish only on its own).
                envelope = envelope.model_copy(update={"routing_key": message.routing_key})
            model, handler = self._handlers[envelope.type]
            data = model.model_validate(envelope.data)
        except (ValidationError, KeyError, ValueError) as exc:
            await self._dead_letter(message, f"unreadable event: {type(exc).__name__}: {exc}"[:1000],
                                    event_type=message.type or "unknown")
            return
        token = otel_context.attach(propagate.extract(dict(message.headers or {})))
        correlation_id.set(envelope.correlation_id)
        try:
            with structlog.contextvars.bound_contextvars(event_id=envelope.id, event_type=envelope.type):
                await handler(envelope, data)
        except Exception as exc:
            metrics.EVENTS_FAILED.labels(envelope.type).inc()
            deliveries = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            log.warning("event handler failed", deliveries=deliveries, error=repr(exc))
            if deliveries >= self.settings.delivery_limit:
                await self._dead_letter(message, f"{type(exc).__name__}: {exc}"[:1000], event_type=envelope.type)
            else:
                await asyncio.sleep(min(0.05 * 2**deliveries, 1.0))
                await message.nack(requeue=True)
            return
        finally:
            otel_context.detach(token)
        # The effect is stored; a crash here means redelivery, which the effect's key absorbs.
        crash_point("consumer.after_effect")
        await message.ack()
        metrics.EVENTS_CONSUMED.labels(envelope.type, "handled").inc()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, *, event_type: str) -> None:
        """Park the message in this service's dead-letter queue with the reason, then ack it.

        If that publish fails the message is requeued instead, so nothing is lost.
        """
        assert self._dead_exchange is not None
        headers = dict(message.headers or {})
        headers.update({
            "x-ejustice-reason": reason, "x-ejustice-consumer": self.service,
            "x-ejustice-dead-lettered-at": datetime.now(UTC).isoformat(),
            "x-ejustice-deliveries": int(headers.get("x-delivery-count", 0)) + 1,
        })
        copy = aio_pika.Message(
            body=message.body, headers=headers, content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message.message_id, type=message.type,
            correlation_id=message.correlation_id, app_id=message.app_id,
        )
        try:
            await self._dead_exchange.publish(copy, routing_key=self.topology.queue(self.service), mandatory=True,
                                              timeout=PUBLISH_TIMEOUT)
        except Exception as exc:
            log.error("dead-lettering failed, requeueing", error=repr(exc))
            await message.nack(requeue=True)
            return
        await message.ack()
        metrics.EVENTS_DEAD_LETTERED.labels(event_type, reason.split(":")[0][:60]).inc()
        log.error("event dead-lettered", reason=reason, message_id=message.message_id)
