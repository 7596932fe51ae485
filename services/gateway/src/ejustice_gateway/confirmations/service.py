"""The citizen confirms, with a one-time code sent to their own phone, a filing a clerk submits for them.

The clerk, holding a token that acts for the citizen, asks for a code for one filing; it goes by
SMS to every mobile the citizen's account holds. The citizen reads it to the clerk (or types it);
a right code gives the clerk a token that acts for the citizen and confirms that filing only,
which the filing service requires before it accepts a submission by a clerk. Five wrong codes end
the confirmation.
"""

import asyncio
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
from argon2.exceptions import VerificationError

from ejustice_gateway.confirmations.events import ConfirmationFailed, ConfirmationGiven, ConfirmationRequested
from ejustice_gateway.confirmations.models import ConfirmationCode, ConfirmationCreate, ConfirmationRead
from ejustice_gateway.identity import accounts
from ejustice_gateway.identity.models import TokenRead
from ejustice_gateway.identity.registration import hasher
from ejustice_gateway.proofing.service import masked
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.people import only_digits
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

LANGUAGE = {"IR": "fa", "VN": "vi"}


def stream_of(confirmation_id: str) -> str:
    return f"confirmation-{confirmation_id}"


@dataclass(frozen=True)
class Confirmation:
    requested: ConfirmationRequested | None = None
    failures: int = 0
    given: bool = False


aggregate = Aggregate("confirmation", stream=stream_of, initial=Confirmation(), source="gateway",
                      state_type=Confirmation)


@aggregate.evolves(ConfirmationRequested)
def _requested(state: Confirmation, requested: ConfirmationRequested, fact: Fact) -> Confirmation:
    return replace(state, requested=requested)


@aggregate.evolves(ConfirmationFailed)
def _failed(state: Confirmation, failed: ConfirmationFailed, fact: Fact) -> Confirmation:
    return replace(state, failures=state.failures + 1)


@aggregate.evolves(ConfirmationGiven)
def _given(state: Confirmation, given: ConfirmationGiven, fact: Fact) -> Confirmation:
    return replace(state, given=True)


def request_once(state: Confirmation, requested: ConfirmationRequested) -> Decision:
    return Decision([] if state.requested is not None else [requested])


@dataclass(frozen=True)
class Confirm:
    confirmation_id: str
    account_id: str  # the citizen the clerk acts for
    office_id: str
    code_right: bool  # the code checked against the stored hash, before deciding
    attempts: int  # wrong codes allowed
    now: str


def confirm_code(state: Confirmation, command: Confirm) -> Decision:
    """A right code confirms once; a wrong one counts; the result is the filing, or the attempts left."""
    requested = state.requested
    if requested is None or requested.account_id != command.account_id or requested.office_id != command.office_id:
        raise Problem(404, "confirmation-not-found", detail="No such confirmation for this citizen here.")
    if state.given:
        raise Problem(409, "code-used", detail="This confirmation was given already; ask for a new one.")
    if state.failures >= command.attempts:
        raise Problem(429, "confirmation-locked", detail="Too many wrong codes; ask for a new one.")
    if requested.expires_at < command.now:
        raise Problem(410, "code-expired", detail="The code has expired; ask for a new one.")
    if not command.code_right:
        return Decision([ConfirmationFailed(confirmation_id=command.confirmation_id)],
                        Wrong(command.attempts - state.failures - 1))
    return Decision([ConfirmationGiven(confirmation_id=command.confirmation_id)], requested.filing_id)


@dataclass(frozen=True)
class Wrong:
    attempts_left: int


def acting_clerk(principal: Principal) -> None:
    if not (principal.acting_for and principal.office_id):
        raise Problem(403, "forbidden", detail="Only a clerk acting for the citizen asks for their confirmation.")


async def request(runtime: ServiceRuntime, *, principal: Principal, create: ConfirmationCreate) -> ConfirmationRead:
    acting_clerk(principal)
    account_id = accounts.account_id_for(create.jurisdiction, create.national_id)
    account = await accounts.load(runtime, create.jurisdiction, create.national_id)
    if account.account_id != principal.acting_for or not account.mobiles:
        raise Problem(404, "account-not-found", errors=[field_error("national_id", "no-account")])
    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = clock.iso(clock.now() + timedelta(minutes=runtime.settings.otp_minutes))
    requested = ConfirmationRequested(confirmation_id=uuid.uuid4().hex, account_id=account_id,
                                      filing_id=create.filing_id, office_id=principal.office_id,
                                      clerk=principal.subject, code_hash=hasher.hash(code), expires_at=expires_at)
    await aggregate.execute(runtime.commits, requested.confirmation_id, request_once, requested,
                            actor=principal.as_actor())
    for mobile in sorted(account.mobiles):
        await send(runtime, mobile=mobile, code=code, office_id=principal.office_id,
                   language=create.language or LANGUAGE[create.jurisdiction])
    return ConfirmationRead(confirmation_id=requested.confirmation_id, filing_id=create.filing_id,
                            mobile=", ".join(masked(m) for m in sorted(account.mobiles)), expires_at=expires_at)


async def send(runtime: ServiceRuntime, *, mobile: str, code: str, office_id: str, language: str) -> None:
    token = runtime.state["issuer"].issue(Principal(subject="gateway", roles=[Role.SERVICE]))
    try:
        answer = await runtime.state["http"].post(
            runtime.settings.notification_url + "/internal/sms", headers={"authorization": f"Bearer {token}"},
            json={"to": mobile, "template": "on-behalf", "language": language,
                  "params": {"code": code, "office": office_id, "minutes": str(runtime.settings.otp_minutes)}})
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise Problem(503, "sms-unavailable", detail="The code could not be sent just now; try again shortly.") from exc


async def confirm(runtime: ServiceRuntime, *, principal: Principal, confirmation_id: str,
                  given: ConfirmationCode) -> TokenRead:
    acting_clerk(principal)
    code = only_digits(given.code)
    found = (await aggregate.state(runtime.commits, confirmation_id)).requested
    code_right = False
    if found is not None:
        try:
            code_right = await asyncio.to_thread(hasher.verify, found.code_hash, code)
        except VerificationError:
            code_right = False
    command = Confirm(confirmation_id, principal.acting_for or "", principal.office_id or "", code_right,
                      runtime.settings.otp_attempts, clock.iso())
    outcome = await aggregate.execute(runtime.commits, confirmation_id, confirm_code, command,
                                      actor=principal.as_actor())
    if isinstance(outcome.result, Wrong):
        left = max(outcome.result.attempts_left, 0)
        raise Problem(422, "validation", attempts_left=left,
                      errors=[field_error("code", "wrong-code", variant=None if left else "locked", left=left)])
    confirmed = principal.model_copy(update={"confirmed_filing": outcome.result})
    return TokenRead(access_token=runtime.state["issuer"].issue(confirmed),
                     expires_in=runtime.settings.access_token_minutes * 60)
