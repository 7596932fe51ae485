"""Drafts held by an office: a clerk who begins a draft for a citizen begins it at their office, which holds it
until it is submitted. When the registry hands a suspended or dissolved office's work to another office, each
draft it still holds moves there by one dossier entry, so the receiving office's clerks continue it and the old
office's no longer can (`access.check_may_change`).

An office's drafts are listed in the index stream `index-office:<office id>` (listed when opened, moved by a
handover); a draft submitted since stays listed and is passed over, since only drafts are handed over.
"""

from dataclasses import dataclass

from ejustice_filing.access import service as access
from ejustice_filing.filings import service as filings
from ejustice_filing.filings.events import FilingHandedOver
from ejustice_shared.aggregate import Decision
from ejustice_shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class HandOver:
    from_office_id: str
    to_office_id: str
    reason: str


def hand_over_draft(state: filings.Filing, command: HandOver) -> Decision:
    """A draft the old office still holds moves; a filing submitted since, or held elsewhere, stays as it is."""
    filing = state.read
    if filing is None or filing.status != "draft" or filing.office_id != command.from_office_id:
        return Decision([])
    return Decision([FilingHandedOver(filing_id=filing.id, from_office_id=command.from_office_id,
                                      to_office_id=command.to_office_id, reason=command.reason)])


async def drafts_at(runtime: ServiceRuntime, office_id: str) -> list[str]:
    return list(await access.index.state(runtime.commits, access.office_key(office_id)))


async def hand_over(runtime: ServiceRuntime, *, from_office_id: str, to_office_id: str, reason: str,
                    cause: str) -> list[str]:
    """Move the office's open drafts: one entry per draft, keyed by the handover's event id (a redelivery adds
    none). The drafts moved, by id."""
    moved = []
    command = HandOver(from_office_id, to_office_id, reason)
    for filing_id in await drafts_at(runtime, from_office_id):
        outcome = await filings.aggregate.execute(runtime.commits, filing_id, hand_over_draft, command, cause=cause,
                                                  actor={"service": "filing", "handover": cause})
        if outcome.state.read is None or outcome.state.read.office_id != to_office_id:
            continue  # not this office's draft any more: it stays where it is
        await access.list_at_office(runtime, filing_id=filing_id, office_id=to_office_id,
                                    cause=f"listed-{filing_id}-{cause}")
        await access.unlist_at_office(runtime, filing_id=filing_id, office_id=from_office_id,
                                      cause=f"unlisted-{filing_id}-{cause}")
        moved.append(filing_id)
    return moved
