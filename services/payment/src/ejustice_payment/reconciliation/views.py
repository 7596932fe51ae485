from datetime import date

from fastapi import APIRouter

from ejustice_payment.payments import service as payments
from ejustice_payment.providers.service import provider_of
from ejustice_payment.reconciliation import service
from ejustice_payment.reconciliation.models import ReconciliationCreate, ReconciliationRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/payments/reconciliations", tags=["reconciliation"])
Operator = require(Role.OPERATOR)


@router.post("")
async def reconcile(create: ReconciliationCreate, runtime: Runtime,
                    principal: Principal = Operator) -> ReconciliationRead:
    """Reconcile a day now (the schedule does it daily): every mismatch is recorded, counted and published once."""
    return await service.reconcile(runtime.commits, provider_of(runtime), day=create.day,
                                   filing_of=payments.filing_lookup(runtime.commits))


@router.get("/{day}")
async def read_reconciliation(day: date, runtime: Runtime, principal: Principal = Operator) -> ReconciliationRead:
    """The day's latest reconciliation and what it found."""
    return await service.latest(runtime.commits, day)
