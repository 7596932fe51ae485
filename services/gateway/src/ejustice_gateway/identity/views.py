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
from ejustice_gateway.proofing.models import EidConfirmationCreate
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api", tags=["identity"])


@router.post("/registrations", status_code=status.HTTP_201_CREATED)
async def start_registration(create: RegistrationCreate, request: Request, runtime: Runtime) -> RegistrationRead:
    """National ID and mobile → proven to belong together (or refused, 403) → a one-time code by SMS.

    In Vietnam the code follows the national e-ID's confirmation (`national_eid` in the answer)."""
    client = request.client.host if request.client else "unknown"
    return await registration.start(runtime, create=create, client=client)


@router.post("/registrations/{registration_id}/national-eid")
async def confirm_national_eid(registration_id: str, confirmation: EidConfirmationCreate,
                               runtime: Runtime) -> RegistrationRead:
    """The national e-ID's answer (VNeID level 2) for this registration → the code by SMS."""
    return await registration.confirm_eid(runtime, registration_id=registration_id, confirmation=confirmation)


@router.post("/registrations/{registration_id}/verify")
async def verify_registration(registration_id: str, verification: VerificationCreate, runtime: Runtime) -> SessionRead:
    """The code → an account (opened once per person) and a session; the e-box follows."""
    return await registration.verify(runtime, registration_id=registration_id, verification=verification)


@router.post("/auth/court-token")
async def court_token(credentials: CourtTokenCreate, runtime: Runtime) -> TokenRead:
    return registration.court_token(runtime, credentials=credentials)


@router.post("/auth/development-token")
async def development_token(create: DevelopmentTokenCreate, runtime: Runtime) -> TokenRead:
    return service.issue_development_token(runtime, create)
