from fastapi import APIRouter, Request, status

from ejustice_gateway.identity import registration, service
from ejustice_gateway.identity.models import (
    CourtTokenCreate,
    DevelopmentTokenCreate,
    RegistrationCreate,
    RegistrationRead,
    SessionRead,
    TokenRead,
    VerificationCreate,
)
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api", tags=["identity"])


@router.post("/registrations", status_code=status.HTTP_201_CREATED)
async def start_registration(create: RegistrationCreate, request: Request, runtime: Runtime) -> RegistrationRead:
    """National ID and mobile → a one-time code by SMS."""
    client = request.client.host if request.client else "unknown"
    return await registration.start(runtime, create=create, client=client)


@router.post("/registrations/{registration_id}/verify")
async def verify_registration(registration_id: str, verification: VerificationCreate, runtime: Runtime) -> SessionRead:
    """The code → an account (opened once per person) and an access token; the e-box follows."""
    return await registration.verify(runtime, registration_id=registration_id, verification=verification)


@router.post("/auth/court-token")
async def court_token(credentials: CourtTokenCreate, runtime: Runtime) -> TokenRead:
    return registration.court_token(runtime, credentials=credentials)


@router.post("/auth/development-token")
async def development_token(create: DevelopmentTokenCreate, runtime: Runtime) -> TokenRead:
    return service.issue_development_token(runtime, create)
