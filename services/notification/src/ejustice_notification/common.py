"""Small things every area of the notification service records the same way."""

import gc
from collections.abc import Iterable

import aio_pika
import structlog

from ejustice_shared.clock import iso, now

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction
SETTLED_KEPT = 200_000
# Routing keys this service's queue was bound to by earlier versions and no longer consumes: a queue keeps its
# bindings, and an event without a handler would go to the dead-letter queue as unreadable.
RETIRED_BINDINGS = ("notice.delivered",)  # e-box notices are counted for the statistics where they are delivered
# A batch allocates millions of short-lived objects (events, commits, messages) beside a large cache of folded
# states: with the default thresholds (700, 10, 10) the collector ran a full pass over that cache every few
# seconds and took about a tenth of the process's CPU while a batch was served.
GC_THRESHOLDS = (20_000, 20, 10)

__all__ = ["LANGUAGE_OF", "SOURCE", "Settled", "chain", "collect_garbage_less", "iso", "now", "retire_bindings",
           "settled"]

log = structlog.get_logger()


async def collect_garbage_less(runtime) -> None:
    """Once started: what start-up made (modules, models, schemas) is left out of the cyclic collector's passes,
    and the passes come less often."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


async def retire_bindings(runtime) -> None:
    """Unbind RETIRED_BINDINGS from this service's queue, if it has them (before it consumes). A failure only
    leaves them: it is logged, and the service starts."""
    topology = runtime.bus.topology
    try:
        connection = await aio_pika.connect(runtime.settings.amqp_url)
        try:
            queue = await (await connection.channel()).get_queue(topology.queue(runtime.name), ensure=True)
            for key in RETIRED_BINDINGS:
                await queue.unbind(topology.exchange, routing_key=key)
        finally:
            await connection.close()
    except aio_pika.exceptions.ChannelNotFoundEntity:  # a new queue: nothing to retire
        return
    except Exception as exc:
        log.warning("retired bindings left", error=repr(exc))


def chain(*handlers):
    """One subscription that runs several areas' handlers for an event type, in order (each is idempotent)."""

    async def handle(runtime, envelope, event) -> None:
        for handler in handlers:
            await handler(runtime, envelope, event)

    return handle


class Settled:
    """What this process's consumers of its own events need not do again: effects a batch applied itself, in
    bulk, before it published the events that cause them (a notice's statistics, say), by key. A consumer
    skips a settled key once (`take`); after a restart, a second delivery or once the oldest of `limit` keys are
    dropped, the event does the usual idempotent work, which finds the effect there. Only saves round trips."""

    def __init__(self, limit: int = SETTLED_KEPT):
        self.limit = limit
        self._keys: dict[str, None] = {}

    def add(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._keys[key] = None
        while len(self._keys) > self.limit:
            del self._keys[next(iter(self._keys))]

    def take(self, key: str) -> bool:
        """True (once) if the key's effect is known to be stored."""
        return self._keys.pop(key, False) is None

    def __len__(self) -> int:
        return len(self._keys)


def settled(runtime) -> Settled:
    """The process's register of settled effects (made on first use)."""
    return runtime.state.setdefault("settled", Settled())
