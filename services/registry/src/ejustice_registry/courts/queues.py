"""Every seeded court gets its own durable queue on the platform's exchange.

`filing.forwarded` is a mandatory publish on `court.<court id>.filing.forwarded`: without a queue
bound to that key the broker returns it and the filing service keeps retrying. Declaring each
court's queue here means a filing is routed, and kept, even while the court's own system is not
connected; the court integrates by consuming `<namespace>.court.<court id>`.
"""

import structlog

from ejustice_registry.courts import service
from ejustice_shared.events import court_routing_key
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


def consumer_name(court_id: str) -> str:
    """The court as a bus consumer: its queue is `<namespace>.court.<court id>`."""
    return f"court.{court_id}"


async def declare_court_queues(runtime: ServiceRuntime) -> None:
    """For every seeded court, its quorum queue bound to `court.<id>.#` and its dead-letter queue."""
    await runtime.bus.declare_queues({consumer_name(court_id): [court_routing_key(court_id, "#")]
                                      for court_id in service.courts()})
    log.info("court queues declared", courts=len(service.courts()))
