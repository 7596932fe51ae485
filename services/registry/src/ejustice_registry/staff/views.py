from typing import Annotated

from fastapi import APIRouter, status

from ejustice_registry.places import service as places
from ejustice_registry.staff import service
from ejustice_registry.staff.models import StaffCreate, StaffEnrolledRead, StaffSignedInRead, StaffSignInCreate
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(tags=["staff"])
OperatorOrStaff = Annotated[Principal, require(Role.OPERATOR, Role.CLERK)]


@router.post("/offices/{office_id}/staff", status_code=status.HTTP_201_CREATED)
async def enrol(office_id: str, create: StaffCreate, runtime: Runtime,
                principal: OperatorOrStaff) -> StaffEnrolledRead:
    """Enrol a manager or clerk (an operator, or the office's manager); the TOTP secret is shown this once."""
    return await service.enrol(runtime, principal=principal, office_id=places.normalize_id(office_id), create=create)


@router.post("/internal/staff/sign-in", dependencies=[require(Role.SERVICE)])
async def sign_in(attempt: StaffSignInCreate, runtime: Runtime) -> StaffSignedInRead:
    """For the gateway: check a staff member's password and code; the gateway issues the token."""
    return await service.sign_in(runtime, attempt=attempt)
