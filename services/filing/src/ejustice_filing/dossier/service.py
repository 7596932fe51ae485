from ejustice_filing.dossier.models import DossierEntry, DossierVerification
from ejustice_filing.filings import service as filings
from ejustice_shared.auth import Principal
from ejustice_shared.runtime import ServiceRuntime


async def entries(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> list[DossierEntry]:
    await filings.read(runtime, principal=principal, filing_id=filing_id)
    history = await runtime.commits.load(filings.stream_of(filing_id))
    return [DossierEntry(seq=c.seq, at=c.committed_at, actor=c.actor, prev_hash=c.prev_hash, hash=c.hash,
                         events=[{"id": e.id, "type": e.type, "source": e.source, "time": e.time, "data": e.data}
                                 for e in c.events])
            for c in history]


async def verify(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> DossierVerification:
    await filings.read(runtime, principal=principal, filing_id=filing_id)
    report = await runtime.commits.verify(filings.stream_of(filing_id))
    return DossierVerification(valid=report.valid, length=report.length, head=report.head,
                               broken_at=report.broken_at, reason=report.reason)
