"""Registration for e-service with a one-time code (the Sana-like sign-up), and court clients' sign-in.

A registration is the stream `registration-<id>`: started, how the person was proven, the
code (stored hashed with Argon2), each wrong try, the lockout, the single successful use; a
person's account is the stream `account-<jurisdiction>-<national id>` (accounts.py).

The person is proven before any code is sent, so no text goes to a mobile that is not
theirs and nothing is opened for someone who is not who they say (proofing/service.py).
Rate limits count sends per mobile and per client as appends to a stream per window, so
concurrent requests cannot both take the last slot.
"""

import json
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from ejustice_gateway.identity import accounts
from ejustice_gateway.identity.events import (
    AccountMobileProven,
    AccountSignedIn,
    RateLimitTaken,
    RegistrationCodeFailed,
    RegistrationCodeIssued,
    RegistrationLocked,
    RegistrationProven,
    RegistrationStarted,
    RegistrationVerified,
)
from ejustice_gateway.identity.models import (
    CourtTokenCreate,
    RegistrationCreate,
    RegistrationRead,
    SessionRead,
    TokenRead,
    VerificationCreate,
)
from ejustice_gateway.proofing import service as proofing
from ejustice_gateway.proofing.models import EidConfirmationCreate, EidRequest, Proof
from ejustice_gateway.proofing.providers import NationalEid
from ejustice_gateway.sessions import service as sessions
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import AccountRegistered, EventData
from ejustice_shared.people import only_digits
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "gateway"
LANGUAGE = {"IR": "fa", "VN": "vi"}
# Cheap enough for a 6-digit code that also expires in minutes and locks after a few tries.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# How long a person has to come back from the national e-ID.
EID_MINUTES = 15


masked = proofing.masked


# --- rate limits -----------------------------------------------------------------------------------


# Sends in one window for one key (a mobile, a client): the stream `limit-<key>-<window start>`.
limits = Aggregate("rate-limit", stream=lambda key: f"limit-{key}", initial=0, source=SOURCE, state_type=int,
                   subject=lambda key, state, event: event.key)


@limits.evolves(RateLimitTaken)
def _taken(state: int, event: RateLimitTaken, fact: Fact) -> int:
    return state + 1


@dataclass(frozen=True)
class Take:
    key: str
    limit: int
    what: str
    retry_after: int


def take_slot(taken: int, command: Take) -> Decision:
    if taken >= command.limit:
        retry_after = command.retry_after
        raise Problem(429, "too-many-requests", detail=f"Too many codes requested {command.what}; try again later.",
                      headers={"retry-after": str(retry_after)}, retry_after=retry_after)
    return Decision([RateLimitTaken(key=command.key)])


async def take(runtime: ServiceRuntime, *, key: str, limit: int, window: timedelta, what: str) -> None:
    """Take one slot of `limit` in the current window, or answer 429 with when to come back."""
    now = datetime.now(UTC)
    start = int(now.timestamp() // window.total_seconds() * window.total_seconds())
    retry_after = int(start + window.total_seconds() - now.timestamp()) + 1
    await limits.execute(runtime.commits, f"{key}-{start}", take_slot, Take(key, limit, what, retry_after))


# --- registration -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    started: RegistrationStarted | None = None
    proof: Proof | None = None
    code_hash: str | None = None
    expires_at: str | None = None
    attempts: int = 0
    locked: bool = False
    account_id: str | None = None


aggregate = Aggregate("registration", stream=lambda registration_id: f"registration-{registration_id}",
                      initial=Registration(), source=SOURCE, state_type=Registration)


@aggregate.evolves(RegistrationStarted)
def _started(state: Registration, started: RegistrationStarted, fact: Fact) -> Registration:
    return replace(state, started=started, code_hash=started.code_hash, expires_at=started.expires_at)


@aggregate.evolves(RegistrationProven)
def _proven(state: Registration, proven: RegistrationProven, fact: Fact) -> Registration:
    return replace(state, proof=Proof(**proven.model_dump(exclude={"registration_id"})))


@aggregate.evolves(RegistrationCodeIssued)
def _issued(state: Registration, issued: RegistrationCodeIssued, fact: Fact) -> Registration:
    return replace(state, code_hash=issued.code_hash, expires_at=issued.expires_at)


@aggregate.evolves(RegistrationCodeFailed)
def _failed(state: Registration, event: RegistrationCodeFailed, fact: Fact) -> Registration:
    return replace(state, attempts=state.attempts + 1)


@aggregate.evolves(RegistrationLocked)
def _locked(state: Registration, event: RegistrationLocked, fact: Fact) -> Registration:
    return replace(state, locked=True)


@aggregate.evolves(RegistrationVerified)
def _verified(state: Registration, verified: RegistrationVerified, fact: Fact) -> Registration:
    return replace(state, account_id=verified.account_id)


def begin(state: Registration, events: list[EventData]) -> Decision:
    return Decision(events)


def new_code(runtime: ServiceRuntime) -> tuple[str, str, str]:
    """A 6-digit code, its Argon2 hash and when it expires."""
    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = datetime.now(UTC) + timedelta(minutes=runtime.settings.otp_minutes)
    return code, hasher.hash(code), expires_at.isoformat()


def proven(registration_id: str, proof: Proof) -> RegistrationProven:
    return RegistrationProven(registration_id=registration_id, **proof.model_dump())


async def start(runtime: ServiceRuntime, *, create: RegistrationCreate, client: str) -> RegistrationRead:
    settings = runtime.settings
    mobile = proofing.checked_person(create.jurisdiction, create.national_id, create.mobile)
    window = timedelta(minutes=settings.otp_rate_window_minutes)
    await take(runtime, key=f"mobile:{mobile}", limit=settings.otp_per_mobile, window=window, what="for this number")
    await take(runtime, key=f"client:{client}", limit=settings.otp_per_client, window=window, what="from here")

    proof = await prove(runtime, jurisdiction=create.jurisdiction, national_id=create.national_id, mobile=mobile)
    registration_id = uuid.uuid4().hex
    language = create.language or LANGUAGE[create.jurisdiction]
    if proof is None:  # Vietnam: the national e-ID first, then the code
        provider: NationalEid = runtime.state["national_eid"]
        nonce = secrets.token_urlsafe(24)
        expires_at = (datetime.now(UTC) + timedelta(minutes=EID_MINUTES)).isoformat()
        started = RegistrationStarted(registration_id=registration_id, jurisdiction=create.jurisdiction,
                                      national_id=create.national_id, mobile=mobile, expires_at=expires_at,
                                      eid_nonce=nonce, language=language)
        await aggregate.execute(runtime.commits, registration_id, begin, [started], actor={"client": client})
        return RegistrationRead(registration_id=registration_id, mobile=masked(mobile), expires_at=expires_at,
                                attempts_left=settings.otp_attempts, code_sent=False, proven_by=None,
                                national_eid=EidRequest(provider=provider.name, nonce=nonce,
                                                        authorize_url=provider.authorize_url(nonce=nonce)))
    code, code_hash, expires_at = new_code(runtime)
    started = RegistrationStarted(registration_id=registration_id, jurisdiction=create.jurisdiction,
                                  national_id=create.national_id, mobile=mobile, code_hash=code_hash,
                                  expires_at=expires_at, language=language)
    await aggregate.execute(runtime.commits, registration_id, begin, [started, proven(registration_id, proof)],
                            actor={"client": client})
    await send_code(runtime, mobile=mobile, code=code, language=language)
    return RegistrationRead(registration_id=registration_id, mobile=masked(mobile), expires_at=expires_at,
                            attempts_left=settings.otp_attempts, code_sent=True, proven_by=proof.method)


async def prove(runtime: ServiceRuntime, *, jurisdiction: str, national_id: str, mobile: str) -> Proof | None:
    """How this person is proven to hold the national ID and the mobile; None while the e-ID must say.

    Refuses (403, what to do instead) or asks to come back (503) when no proof can be had."""
    account = await accounts.load(runtime, jurisdiction, national_id)
    if mobile in account.mobiles:
        return Proof(method="account-mobile", provider="ejustice")
    if in_person := await proofing.proven_in_person(runtime, jurisdiction=jurisdiction, national_id=national_id,
                                                    mobile=mobile):
        return in_person
    if jurisdiction == "IR":
        return await proofing.ask_mobile_owner(runtime, jurisdiction=jurisdiction, national_id=national_id,
                                               mobile=mobile)
    return None


async def confirm_eid(runtime: ServiceRuntime, *, registration_id: str,
                      confirmation: EidConfirmationCreate) -> RegistrationRead:
    """The national e-ID's answer for a registration waiting on it → the person proven, and the code sent."""
    settings = runtime.settings
    state = await aggregate.state(runtime.commits, registration_id)
    started: RegistrationStarted | None = state.started
    if started is None or not started.eid_nonce:
        raise Problem(404, "registration-not-found", detail="No registration waits for the national e-ID here.")
    if state.proof:
        raise Problem(409, "already-proven", detail="This registration is proven already; enter the code sent.")
    if datetime.fromisoformat(started.expires_at) < datetime.now(UTC):
        raise Problem(410, "registration-expired", detail="This registration has expired; start a new one.")
    proof = await proofing.confirm_eid(runtime, national_id=started.national_id, mobile=started.mobile,
                                       nonce=started.eid_nonce, response=confirmation.assertion)
    code, code_hash, expires_at = new_code(runtime)
    issued = RegistrationCodeIssued(registration_id=registration_id, code_hash=code_hash, expires_at=expires_at)
    await aggregate.execute(runtime.commits, registration_id, prove_by_eid, [proven(registration_id, proof), issued],
                            actor={"registration": registration_id})
    await send_code(runtime, mobile=started.mobile, code=code, language=started.language or "vi")
    return RegistrationRead(registration_id=registration_id, mobile=masked(started.mobile), expires_at=expires_at,
                            attempts_left=settings.otp_attempts, code_sent=True, proven_by=proof.method)


def prove_by_eid(state: Registration, events: list[EventData]) -> Decision:
    if state.proof:
        raise Problem(409, "already-proven", detail="This registration is proven already; enter the code sent.")
    return Decision(events)


async def send_code(runtime: ServiceRuntime, *, mobile: str, code: str, language: str) -> None:
    """Through the notification service's SMS channel; the code itself is never logged."""
    token = runtime.state["issuer"].issue(Principal(subject="gateway", roles=[Role.SERVICE]))
    client: httpx.AsyncClient = runtime.state["http"]
    try:
        answer = await client.post(runtime.settings.notification_url + "/internal/sms",
                                   headers={"authorization": f"Bearer {token}"},
                                   json={"to": mobile, "template": "otp", "language": language,
                                         "params": {"code": code, "minutes": str(runtime.settings.otp_minutes)}})
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise Problem(503, "sms-unavailable", detail="The code could not be sent just now; try again shortly.") from exc


@dataclass(frozen=True)
class Verify:
    registration_id: str
    code: str
    attempts: int  # wrong codes allowed
    now: datetime


def check_code(state: Registration, command: Verify) -> Decision:
    """The code right: verified (result: the registration). Wrong: noted, and locked at the last try
    (result: the tries left)."""
    started = state.started
    registration_id = command.registration_id
    if started is None:
        raise Problem(404, "registration-not-found", detail="No such registration.")
    if state.account_id:
        raise Problem(409, "code-used", detail="This code was used already; start a new registration.")
    if state.proof is None or state.code_hash is None:
        raise proofing.not_proven("code", "eid-required", next_step="national-eid")
    if state.locked:
        raise Problem(429, "registration-locked",
                      detail="Too many wrong codes; this registration is locked. Start a new one later.")
    if datetime.fromisoformat(state.expires_at) < command.now:
        raise Problem(410, "code-expired", detail="The code has expired; ask for a new one.")
    try:
        hasher.verify(state.code_hash, command.code)
    except VerificationError:
        left = command.attempts - state.attempts - 1
        failed: list[EventData] = [RegistrationCodeFailed(registration_id=registration_id)]
        if left <= 0:
            failed.append(RegistrationLocked(registration_id=registration_id))
        return Decision(failed, left)
    account_id = accounts.account_id_for(started.jurisdiction, started.national_id)
    return Decision([RegistrationVerified(registration_id=registration_id, account_id=account_id)], state)


async def verify(runtime: ServiceRuntime, *, registration_id: str, verification: VerificationCreate) -> SessionRead:
    outcome = await aggregate.execute(runtime.commits, registration_id, check_code,
                                      Verify(registration_id, only_digits(verification.code),
                                             runtime.settings.otp_attempts, datetime.now(UTC)),
                                      actor={"registration": registration_id})
    if isinstance(outcome.result, int):
        left = max(outcome.result, 0)
        raise Problem(422, "validation", attempts_left=left,
                      errors=[field_error("code", "wrong-code", variant=None if left else "locked", left=left)])
    return await open_account(runtime, started=outcome.result.started, proof=outcome.result.proof)


@dataclass(frozen=True)
class OpenAccount:
    started: RegistrationStarted
    proof: Proof
    session_id: str


def sign_in(account: accounts.Account, command: OpenAccount) -> Decision:
    """Opens the account (once per person and jurisdiction: registering again signs in), logs the proof of a
    mobile it did not hold yet, and the sign-in. The result: whether the account is new."""
    started, proof = command.started, command.proof
    account_id = accounts.account_id_for(started.jurisdiction, started.national_id)
    events: list[EventData] = []
    if not account.exists:
        via = "office" if proof.method == "in-person" else "online"
        events.append(AccountRegistered(account_id=account_id, jurisdiction=started.jurisdiction,
                                        national_id=started.national_id, mobile=started.mobile, registered_via=via))
    if started.mobile not in account.mobiles:
        events.append(AccountMobileProven(account_id=account_id, mobile=started.mobile,
                                          registration_id=started.registration_id, **proof.model_dump()))
    events.append(AccountSignedIn(account_id=account_id, registration_id=started.registration_id,
                                  mobile=started.mobile, session_id=command.session_id))
    return Decision(events, not account.exists)


async def open_account(runtime: ServiceRuntime, *, started: RegistrationStarted, proof: Proof) -> SessionRead:
    """The account signed in (opened first if need be); then the session."""
    account_id = accounts.account_id_for(started.jurisdiction, started.national_id)
    session_id = sessions.new_session_id()
    outcome = await accounts.aggregate.execute(runtime.commits, accounts.key_of(started.jurisdiction,
                                                                                started.national_id),
                                               sign_in, OpenAccount(started, proof, session_id),
                                               cause=f"registration-{started.registration_id}",
                                               actor={"subject": account_id})
    return await sessions.open_session(runtime, session_id=session_id, account_id=account_id,
                                       jurisdiction=started.jurisdiction, national_id=started.national_id,
                                       account_seq=outcome.commit.seq, new_account=bool(outcome.result))


# --- courts -----------------------------------------------------------------------------------------


@cache
def court_clients(path: str) -> dict[str, dict]:
    return {client["client_id"]: client for client in json.loads(Path(path).read_text("utf-8"))}


def court_token(runtime: ServiceRuntime, *, credentials: CourtTokenCreate) -> TokenRead:
    client = court_clients(runtime.settings.court_clients_file).get(credentials.client_id)
    try:
        if client is None:
            raise VerificationError("unknown client")
        hasher.verify(client["secret_hash"], credentials.client_secret)
    except VerificationError as exc:
        raise Problem(401, "invalid-client", detail="Unknown court client or wrong secret.") from exc
    principal = Principal(subject=client["client_id"], roles=[Role.COURT], court_id=client["court_id"],
                          name=client.get("name"))
    return TokenRead(access_token=runtime.state["issuer"].issue(principal),
                     expires_in=runtime.settings.access_token_minutes * 60)
