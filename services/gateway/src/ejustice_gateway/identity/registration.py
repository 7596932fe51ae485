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
from ejustice_shared.auth import Principal, Role
from ejustice_shared.commits import Commit
from ejustice_shared.events import AccountRegistered, Envelope, EventData
from ejustice_shared.people import only_digits
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "gateway"
LANGUAGE = {"IR": "fa", "VN": "vi"}
# Cheap enough for a 6-digit code that also expires in minutes and locks after a few tries.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# How long a person has to come back from the national e-ID.
EID_MINUTES = 15


def wrap(data: EventData, subject: str) -> Envelope:
    return Envelope.wrap(data, source=SOURCE, subject=subject)


masked = proofing.masked


# --- rate limits -----------------------------------------------------------------------------------


async def take(runtime: ServiceRuntime, *, key: str, limit: int, window: timedelta, what: str) -> None:
    """Take one slot of `limit` in the current window, or answer 429 with when to come back."""
    now = datetime.now(UTC)
    start = int(now.timestamp() // window.total_seconds() * window.total_seconds())
    retry_after = int(start + window.total_seconds() - now.timestamp()) + 1

    def decide(history: list[Commit]) -> list[Envelope]:
        if len(history) >= limit:
            raise Problem(429, "too-many-requests", detail=f"Too many codes requested {what}; try again later.",
                          headers={"retry-after": str(retry_after)}, retry_after=retry_after)
        return [wrap(RateLimitTaken(key=key), key)]

    await runtime.commits.execute(f"limit-{key}-{start}", decide)


# --- registration -----------------------------------------------------------------------------------


def fold(history: list[Commit]) -> dict:
    state: dict = {"attempts": 0, "locked": False, "account_id": None, "started": None, "proof": None,
                   "code_hash": None, "expires_at": None}
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case RegistrationStarted() as started:
                    state["started"] = started
                    state["code_hash"], state["expires_at"] = started.code_hash, started.expires_at
                case RegistrationProven() as proven:
                    state["proof"] = Proof(**proven.model_dump(exclude={"registration_id"}))
                case RegistrationCodeIssued() as issued:
                    state["code_hash"], state["expires_at"] = issued.code_hash, issued.expires_at
                case RegistrationCodeFailed():
                    state["attempts"] += 1
                case RegistrationLocked():
                    state["locked"] = True
                case RegistrationVerified() as verified:
                    state["account_id"] = verified.account_id
    return state


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
        await runtime.commits.execute(f"registration-{registration_id}",
                                      lambda h: [wrap(started, registration_id)], actor={"client": client})
        return RegistrationRead(registration_id=registration_id, mobile=masked(mobile), expires_at=expires_at,
                                attempts_left=settings.otp_attempts, code_sent=False, proven_by=None,
                                national_eid=EidRequest(provider=provider.name, nonce=nonce,
                                                        authorize_url=provider.authorize_url(nonce=nonce)))
    code, code_hash, expires_at = new_code(runtime)
    started = RegistrationStarted(registration_id=registration_id, jurisdiction=create.jurisdiction,
                                  national_id=create.national_id, mobile=mobile, code_hash=code_hash,
                                  expires_at=expires_at, language=language)
    await runtime.commits.execute(
        f"registration-{registration_id}",
        lambda h: [wrap(started, registration_id), wrap(proven(registration_id, proof), registration_id)],
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
    stream = f"registration-{registration_id}"
    state = fold(await runtime.commits.load(stream))
    started: RegistrationStarted | None = state["started"]
    if started is None or not started.eid_nonce:
        raise Problem(404, "registration-not-found", detail="No registration waits for the national e-ID here.")
    if state["proof"]:
        raise Problem(409, "already-proven", detail="This registration is proven already; enter the code sent.")
    if datetime.fromisoformat(started.expires_at) < datetime.now(UTC):
        raise Problem(410, "registration-expired", detail="This registration has expired; start a new one.")
    proof = await proofing.confirm_eid(runtime, national_id=started.national_id, mobile=started.mobile,
                                       nonce=started.eid_nonce, response=confirmation.assertion)
    code, code_hash, expires_at = new_code(runtime)

    def decide(history: list[Commit]) -> list[Envelope]:
        if fold(history)["proof"]:
            raise Problem(409, "already-proven", detail="This registration is proven already; enter the code sent.")
        issued = RegistrationCodeIssued(registration_id=registration_id, code_hash=code_hash, expires_at=expires_at)
        return [wrap(proven(registration_id, proof), registration_id), wrap(issued, registration_id)]

    await runtime.commits.execute(stream, decide, actor={"registration": registration_id})
    await send_code(runtime, mobile=started.mobile, code=code, language=started.language or "vi")
    return RegistrationRead(registration_id=registration_id, mobile=masked(started.mobile), expires_at=expires_at,
                            attempts_left=settings.otp_attempts, code_sent=True, proven_by=proof.method)


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


async def verify(runtime: ServiceRuntime, *, registration_id: str, verification: VerificationCreate) -> SessionRead:
    settings = runtime.settings
    stream = f"registration-{registration_id}"
    code = only_digits(verification.code)
    outcome: dict = {}

    def decide(history: list[Commit]) -> list[Envelope]:
        outcome.clear()  # decided again after a rival's write: only the last decision counts
        state = fold(history)
        started: RegistrationStarted | None = state["started"]
        if started is None:
            raise Problem(404, "registration-not-found", detail="No such registration.")
        if state["account_id"]:
            raise Problem(409, "code-used", detail="This code was used already; start a new registration.")
        if state["proof"] is None or state["code_hash"] is None:
            raise proofing.not_proven("code", "eid-required", next_step="national-eid")
        if state["locked"]:
            raise Problem(429, "registration-locked",
                          detail="Too many wrong codes; this registration is locked. Start a new one later.")
        if datetime.fromisoformat(state["expires_at"]) < datetime.now(UTC):
            raise Problem(410, "code-expired", detail="The code has expired; ask for a new one.")
        try:
            hasher.verify(state["code_hash"], code)
        except VerificationError:
            outcome["wrong"] = settings.otp_attempts - state["attempts"] - 1
            failed = [wrap(RegistrationCodeFailed(registration_id=registration_id), registration_id)]
            if outcome["wrong"] <= 0:
                failed.append(wrap(RegistrationLocked(registration_id=registration_id), registration_id))
            return failed
        outcome["started"], outcome["proof"] = started, state["proof"]
        account_id = accounts.account_id_for(started.jurisdiction, started.national_id)
        return [wrap(RegistrationVerified(registration_id=registration_id, account_id=account_id), registration_id)]

    await runtime.commits.execute(stream, decide, actor={"registration": registration_id})
    if "wrong" in outcome:
        left = max(outcome["wrong"], 0)
        raise Problem(422, "validation", attempts_left=left,
                      errors=[field_error("code", "wrong-code", variant=None if left else "locked", left=left)])
    return await open_account(runtime, started=outcome["started"], proof=outcome["proof"])


async def open_account(runtime: ServiceRuntime, *, started: RegistrationStarted, proof: Proof) -> SessionRead:
    """Opens the account (once per person and jurisdiction: registering again signs in), logs the proof of a
    mobile it did not hold yet, and the sign-in; then the session."""
    account_id = accounts.account_id_for(started.jurisdiction, started.national_id)
    session_id = sessions.new_session_id()
    opened: dict = {}

    def decide(history: list[Commit]) -> list[Envelope]:
        account = accounts.fold(history)
        opened["new"] = not account.exists
        events = []
        if not account.exists:
            via = "office" if proof.method == "in-person" else "online"
            events.append(AccountRegistered(account_id=account_id, jurisdiction=started.jurisdiction,
                                            national_id=started.national_id, mobile=started.mobile,
                                            registered_via=via))
        if started.mobile not in account.mobiles:
            events.append(AccountMobileProven(account_id=account_id, mobile=started.mobile,
                                              registration_id=started.registration_id, **proof.model_dump()))
        events.append(AccountSignedIn(account_id=account_id, registration_id=started.registration_id,
                                      mobile=started.mobile, session_id=session_id))
        return [wrap(event, account_id) for event in events]

    commit = await runtime.commits.execute(accounts.stream_of(started.jurisdiction, started.national_id), decide,
                                           cause=f"registration-{started.registration_id}",
                                           actor={"subject": account_id})
    return await sessions.open_session(runtime, session_id=session_id, account_id=account_id,
                                       jurisdiction=started.jurisdiction, national_id=started.national_id,
                                       account_seq=commit.seq, new_account=opened.get("new", False))


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
