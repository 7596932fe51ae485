from fastapi import APIRouter

from ejustice_payment.ledger import service
from ejustice_payment.ledger.models import LedgerRead
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/payments/ledgers", tags=["ledger"])


@router.get("/{filing_id}")
async def read_ledger(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> LedgerRead:
    """A filing's money, entry by entry, and whether assessed = collected - refunded: for the payer and operators."""
    return await service.get_ledger(runtime, principal=principal, filing_id=filing_id)
