from fastapi import APIRouter, status

from ejustice_gateway.proofing import service
from ejustice_gateway.proofing.models import EidApprovalCreate, EidAssertionRead, InPersonProofCreate, InPersonProofRead
from ejustice_gateway.proofing.providers import EidRefused, SandboxNationalEid
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.people import normalize_mobile, valid_national_id
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api", tags=["proofing"])
Clerk = require(Role.CLERK)


@router.post("/identity-proofs", status_code=status.HTTP_201_CREATED)
async def record_in_person(create: InPersonProofCreate, runtime: Runtime,
                           principal: Principal = Clerk) -> InPersonProofRead:
    """A clerk records that they checked the person's ID document at their office's counter."""
    return await service.record_in_person(runtime, principal=principal, create=create)


@router.post("/sandbox-eid/approvals", status_code=status.HTTP_201_CREATED)
async def approve_in_sandbox_eid(approval: EidApprovalCreate, runtime: Runtime) -> EidAssertionRead:
    """Sandbox only (404 elsewhere): the citizen approves the sign-in in their VNeID app → the signed assertion."""
    provider = runtime.state["national_eid"]
    if not isinstance(provider, SandboxNationalEid):
        raise Problem(404, "not-found", detail="The national e-ID sandbox is off.")
    errors = []
    if not valid_national_id(approval.citizen_id, "VN"):
        errors.append(field_error("citizen_id", "invalid-national-id", variant="VN"))
    try:
        mobile = normalize_mobile(approval.mobile, "VN")
    except ValueError:
        errors.append(field_error("mobile", "invalid-mobile", jurisdiction="VN"))
    if errors:
        raise Problem(422, "validation", errors=errors)
    try:
        assertion = await provider.approve(citizen_id=approval.citizen_id, mobile=mobile, nonce=approval.nonce)
    except EidRefused as refused:
        raise Problem(403, "eid-refused", errors=[field_error("mobile", refused.code)]) from refused
    return EidAssertionRead(assertion=assertion)
