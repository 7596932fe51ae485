"""Seeded, repeatable days at an office's counters, written into the registry's queue streams as its clerks
would have left them: for a test that needs past days' load (a review, a streak of busy days)."""

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ejustice_registry.offices.models import OfficeRead
from ejustice_registry.queues.events import TicketCalled, TicketClosed, TicketIssued, TicketServing
from ejustice_registry.queues.service import day_key, queue_aggregate, ticket_id_for
from ejustice_shared.aggregate import Decision
from ejustice_shared.commits import CommitStore
from ejustice_shared.events import EventData
from tests.support.stores import mongo


def simulated_day(seed: int, *, day: date, time_zone: str, counters: int, visitors: int) -> list[EventData]:
    """A morning shift (07:30 local, five hours): visitors arrive at random, each counter calls the next in turn,
    about one in ten never comes. The same seed gives the same day, to the second."""
    rng = random.Random(seed)
    opens = datetime.combine(day, time(7, 30), ZoneInfo(time_zone)).astimezone(UTC)
    arrivals = sorted(opens + timedelta(minutes=rng.uniform(0, 300)) for _ in range(visitors))
    free_at = [opens] * counters
    events: list[EventData] = []
    for number, issued in enumerate(arrivals, start=1):
        ticket_id, counter = ticket_id_for(day.isoformat(), number), min(range(counters), key=lambda c: free_at[c])
        called = max(issued, free_at[counter])
        no_show = rng.random() < 0.1
        closed = called + timedelta(minutes=1 if no_show else rng.uniform(6, 14))
        free_at[counter] = closed
        desk = {"ticket_id": ticket_id, "counter": str(counter + 1), "clerk": f"clerk-{counter + 1}"}
        events += [TicketIssued(ticket_id=ticket_id, number=number, service="filing", channel="kiosk",
                                issued_at=issued.isoformat()),
                   TicketCalled(**desk, called_at=called.isoformat())]
        if not no_show:
            events.append(TicketServing(**desk, served_at=called.isoformat()))
        events.append(TicketClosed(**desk, outcome="no-show" if no_show else "served", closed_at=closed.isoformat()))
    return events


def write_days(database: str, office: dict, days: dict[date, int], *, visitors: int = 72) -> None:
    """Each day (with its seed) as one commit on the office's queue stream of that day, unless written before."""
    read = OfficeRead.model_validate(office)
    queue = queue_aggregate(read)

    async def write() -> None:
        client = mongo()
        try:
            store = CommitStore(client[database])
            for day, seed in days.items():
                events = simulated_day(seed, day=day, time_zone=read.time_zone, counters=len(read.counters),
                                       visitors=visitors)
                await queue.execute(store, day_key(read.office_id, day.isoformat()),
                                    lambda tickets, given: Decision(given if not tickets else []), events,
                                    cause=f"seeded-day-{seed}", actor={"seeded": "tests.support.queue_days"})
        finally:
            await client.close()

    asyncio.run(write())
