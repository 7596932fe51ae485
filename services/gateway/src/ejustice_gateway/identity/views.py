from fastapi import APIRouter

from ejustice_gateway.identity import service
from ejustice_gateway.identity.models import DevelopmentTokenCreate, TokenRead
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api/auth", tags=["identity"])


@router.post("/development-token")
async def development_token(create: DevelopmentTokenCreate, runtime: Runtime) -> TokenRead:
    return service.issue_development_token(runtime, create)
