"""The daily reconciliation: the provider's settlement file against this service's own book of the day.

Each capture and refund is matched by the provider's reference. What is in the book but not in the
file was paid here but not there; what is in the file but not in the book was taken there with no
record here (a lost callback, say); a matched pair may state different amounts. Each mismatch is
committed once per day and kind and reference (`reconciliation-<day>`), published as
`payment.reconciliation_mismatch` and counted in `payment_reconciliation_mismatches_total`; each
run is recorded there too with what it found, so running it again (on demand, or by a second
instance) repeats no event.
"""

from collections.abc import Awaitable, Callable
from datetime import date

import structlog
from prometheus_client import Counter

from ejustice_payment.ledger import service as ledger
from ejustice_payment.providers.service import PaymentProvider
from ejustice_payment.reconciliation.events import PaymentBooked, ReconciliationRun
from ejustice_payment.reconciliation.models import ReconciliationRead, SettlementRow
from ejustice_payment.reconciliation.settlement import read_settlement
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.commits import CommitStore
from ejustice_shared.events import Money, ReconciliationMismatch
from ejustice_shared.problems import Problem, field_error

log = structlog.get_logger()

MISMATCHES = Counter("payment_reconciliation_mismatches", "Disagreements between the provider's settlement "
                     "file and this service's book", ["kind"])
RUNS = Counter("payment_reconciliations", "Reconciliations run, by outcome", ["outcome"])


def stream_of(day: str) -> str:
    return f"reconciliation-{day}"


def compare(day: str, book: list[PaymentBooked], rows: list[SettlementRow]) -> tuple[int, list[ReconciliationMismatch]]:
    """How many transactions match, and each mismatch (pure)."""
    here = {(entry.transaction, entry.reference): entry for entry in book}
    there = {(row.transaction_type, row.rrn): row for row in rows if row.status == "SETTLED"}
    matched, found = 0, []
    for key, entry in here.items():
        row = there.get(key)
        if row is None:
            found.append(ReconciliationMismatch(day=day, kind="missing-at-provider", transaction=entry.transaction,
                                                reference=entry.reference, payment_id=entry.payment_id,
                                                filing_id=entry.filing_id, amount_here=entry.amount))
        elif (row.amount, row.currency) != (entry.amount.amount, entry.amount.currency):
            found.append(ReconciliationMismatch(
                day=day, kind="amount-differs", transaction=entry.transaction, reference=entry.reference,
                payment_id=entry.payment_id, filing_id=entry.filing_id, amount_here=entry.amount,
                amount_there=Money(amount=row.amount, currency=row.currency)))
        else:
            matched += 1
    for key, row in there.items():
        if key not in here:
            found.append(ReconciliationMismatch(day=day, kind="missing-here", transaction=row.transaction_type,
                                                reference=row.rrn, payment_id=row.order_id or None,
                                                amount_there=Money(amount=row.amount, currency=row.currency)))
    return matched, found


async def reconcile(commits: CommitStore, provider: PaymentProvider, *, day: date,
                    filing_of: Callable[[str], Awaitable[str | None]]) -> ReconciliationRead:
    """Reconcile one day: fetch the provider's file, compare it with the book, record what differs."""
    if day > clock.now().date():
        raise Problem(422, "validation", errors=[field_error("day", "day-in-future")])
    text = await provider.settlement_file(day)
    rows, unreadable = read_settlement(text)
    book = await ledger.booked_on(commits, day.isoformat())
    matched, mismatches = compare(day.isoformat(), book, rows)
    mismatches = [m if m.filing_id or not m.payment_id else m.model_copy(
        update={"filing_id": await filing_of(m.payment_id)}) for m in mismatches]
    key = day.isoformat()
    for mismatch in mismatches:
        outcome = await day_stream.execute(commits, key, note, mismatch, actor={"service": ledger.SOURCE},
                                           cause=f"{mismatch.kind}:{mismatch.transaction}:{mismatch.reference}")
        if outcome.stored:
            MISMATCHES.labels(mismatch.kind).inc()
            log.warning("reconciliation mismatch", day=mismatch.day, kind=mismatch.kind,
                        reference=mismatch.reference, payment_id=mismatch.payment_id)
    run = ReconciliationRun(day=key, provider=provider.name, rows_there=len(rows), entries_here=len(book),
                            matched=matched, mismatches=mismatches, unreadable_rows=unreadable)
    outcome = await day_stream.execute(commits, key, note, run, actor={"service": ledger.SOURCE})
    RUNS.labels("mismatches" if mismatches or unreadable else "clean").inc()
    return ReconciliationRead(**run.model_dump(), reconciled_at=outcome.commit.committed_at)


# A day's reconciliation stream: its mismatches, each once, and its runs; the state is the latest run.
day_stream = Aggregate("reconciliation", stream=stream_of, initial=None, source=ledger.SOURCE,
                       state_type=ReconciliationRead | None,
                       subject=lambda key, state, event: getattr(event, "filing_id", None) or stream_of(key))


@day_stream.evolves(ReconciliationRun)
def _ran(state: ReconciliationRead | None, run: ReconciliationRun, fact: Fact) -> ReconciliationRead:
    return ReconciliationRead(**run.model_dump(), reconciled_at=fact.committed_at)


def note(state: ReconciliationRead | None, event: ReconciliationMismatch | ReconciliationRun) -> Decision:
    return Decision([event])


async def latest(commits: CommitStore, day: date) -> ReconciliationRead:
    found = await day_stream.state(commits, day.isoformat())
    if found is None:
        raise Problem(404, "reconciliation-not-found", detail="This day has not been reconciled yet.")
    return found
