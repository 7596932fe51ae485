from fastapi import APIRouter, Response, status

from ejustice_gateway.identity.models import SessionRead, TokenRead
from ejustice_gateway.proofing.models import OnBehalfCreate
from ejustice_gateway.sessions import service
from ejustice_gateway.sessions.models import RefreshCreate
from ejustice_shared.auth import CurrentPrincipal, Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api/auth", tags=["sessions"])
Clerk = require(Role.CLERK)


@router.post("/refresh")
async def refresh(body: RefreshCreate, runtime: Runtime) -> SessionRead:
    """A refresh token → a new access token and a new refresh token; the one sent is spent."""
    return await service.refresh(runtime, token=body.refresh_token)


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(body: RefreshCreate, runtime: Runtime) -> Response:
    """Ends this session: its refresh token is refused from now on."""
    await service.sign_out(runtime, token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sign-out-everywhere", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out_everywhere(principal: CurrentPrincipal, runtime: Runtime) -> Response:
    """Ends every session of the caller's account (their own token only)."""
    await service.sign_out_everywhere(runtime, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/on-behalf")
async def on_behalf(create: OnBehalfCreate, runtime: Runtime, principal: Principal = Clerk) -> TokenRead:
    """A clerk's token acting for a citizen whose ID document they checked at this office, recently."""
    return await service.act_on_behalf(runtime, principal=principal, create=create)
