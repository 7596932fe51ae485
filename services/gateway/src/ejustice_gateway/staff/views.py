from fastapi import APIRouter

from ejustice_gateway.identity.models import TokenRead
from ejustice_gateway.staff import service
from ejustice_gateway.staff.models import StaffSignInCreate
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api/auth", tags=["staff"])


@router.post("/staff-sign-in")
async def staff_sign_in(attempt: StaffSignInCreate, runtime: Runtime) -> TokenRead:
    """An office's manager or clerk: username, password and the authenticator's code → a token naming the
    office and counter. 401 for any wrong part (never which), 403 when the office is suspended or dissolved."""
    return await service.sign_in(runtime, attempt=attempt)
