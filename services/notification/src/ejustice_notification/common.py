"""Small things every area of the notification service records the same way."""

import gc
from collections.abc import Iterable

from ejustice_shared.clock import iso, now

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction
SETTLED_KEPT = 200_000
# A batch allocates millions of short-lived objects (events, commits, messages) beside a large cache of folded
# states: with the default thresholds (700, 10, 10) the collector ran a full pass over that cache every few
# seconds and took about a tenth of the process's CPU while a batch was served.
GC_THRESHOLDS = (20_000, 20, 10)

__all__ = ["LANGUAGE_OF", "SOURCE", "Settled", "chain", "collect_garbage_less", "iso", "now", "settled"]


async def collect_garbage_less(runtime) -> None:
    """Once started: what start-up made (modules, models, schemas) is left out of the cyclic collector's passes,
    and the passes come less often."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


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
