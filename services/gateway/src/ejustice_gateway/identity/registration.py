"""Registration for e-service with a one-time code (the Sana-like sign-up), and court clients' sign-in.

A registration is the stream `registration-<id>`: started (the code stored hashed with
Argon2), each wrong try, the lockout, the single successful use; a person's account is
the stream `account-<jurisdiction>-<national id>`. Rate limits count sends per mobile and
per client as appends to a stream per window, so concurrent requests cannot both take
the last slot.
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

from ejustice_gateway.identity.models import (
    CourtTokenCreate,
    RegistrationCreate,
    RegistrationRead,
    SessionRead,
    TokenRead,
    VerificationCreate,
)
from ejustice_shared.auth import Principal, Role
from ejustice_shared.commits import Commit
from ejustice_shared.events import AccountRegistered, Envelope, EventData
from ejustice_shared.people import normalize_mobile, only_digits, valid_national_id
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "gateway"
LANGUAGE = {"IR": "fa", "VN": "vi"}
# Cheap enough for a 6-digit code that also expires in minutes and locks after a few tries.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class RegistrationStarted(EventData):
    type = "registration.started"
    published = False

    registration_id: str
    jurisdiction: str
    national_id: str
    mobile: str
    code_hash: str
    expires_at: str


class RegistrationCodeFailed(EventData):
    type = "registration.code_failed"
    published = False

    registration_id: str


class RegistrationLocked(EventData):
    type = "registration.locked"
    published = False

    registration_id: str


class RegistrationVerified(EventData):
    type = "registration.verified"
    published = False

    registration_id: str
    account_id: str


class RateLimitTaken(EventData):
    type = "gateway.rate_limit_taken"
    published = False

    key: str


def wrap(data: EventData, subject: str) -> Envelope:
    return Envelope.wrap(data, source=SOURCE, subject=subject)


def masked(mobile: str) -> str:
    return mobile[:4] + "*" * (len(mobile) - 6) + mobile[-2:]


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
    state: dict = {"attempts": 0, "locked": False, "account_id": None, "started": None}
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case RegistrationStarted() as started:
                    state["started"] = started
                case RegistrationCodeFailed():
                    state["attempts"] += 1
                case RegistrationLocked():
                    state["locked"] = True
                case RegistrationVerified() as verified:
                    state["account_id"] = verified.account_id
    return state


async def start(runtime: ServiceRuntime, *, create: RegistrationCreate, client: str) -> RegistrationRead:
    settings = runtime.settings
    errors = []
    if not valid_national_id(create.national_id, create.jurisdiction):
        errors.append(field_error("national_id", "invalid-national-id", variant=create.jurisdiction))
    try:
        mobile = normalize_mobile(create.mobile, create.jurisdiction)
    except ValueError:
        errors.append(field_error("mobile", "invalid-mobile", jurisdiction=create.jurisdiction))
    if errors:
        raise Problem(422, "validation", errors=errors)
    window = timedelta(minutes=settings.otp_rate_window_minutes)
    await take(runtime, key=f"mobile:{mobile}", limit=settings.otp_per_mobile, window=window, what="for this number")
    await take(runtime, key=f"client:{client}", limit=settings.otp_per_client, window=window, what="from here")

    registration_id = uuid.uuid4().hex
    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = datetime.now(UTC) + timedelta(minutes=settings.otp_minutes)
    started = RegistrationStarted(registration_id=registration_id, jurisdiction=create.jurisdiction,
                                  national_id=create.national_id, mobile=mobile, code_hash=hasher.hash(code),
                                  expires_at=expires_at.isoformat())
    await runtime.commits.execute(f"registration-{registration_id}", lambda h: [wrap(started, registration_id)],
                                  actor={"client": client})
    await send_code(runtime, mobile=mobile, code=code, language=create.language or LANGUAGE[create.jurisdiction])
    return RegistrationRead(registration_id=registration_id, mobile=masked(mobile), expires_at=started.expires_at,
                            attempts_left=settings.otp_attempts)


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
        if state["locked"]:
            raise Problem(429, "registration-locked",
                          detail="Too many wrong codes; this registration is locked. Start a new one later.")
        if datetime.fromisoformat(started.expires_at) < datetime.now(UTC):
            raise Problem(410, "code-expired", detail="The code has expired; ask for a new one.")
        try:
            hasher.verify(started.code_hash, code)
        except VerificationError:
            outcome["wrong"] = settings.otp_attempts - state["attempts"] - 1
            failed = [wrap(RegistrationCodeFailed(registration_id=registration_id), registration_id)]
            if outcome["wrong"] <= 0:
                failed.append(wrap(RegistrationLocked(registration_id=registration_id), registration_id))
            return failed
        outcome["started"] = started
        outcome["account_id"] = account_id_for(started)
        return [wrap(RegistrationVerified(registration_id=registration_id, account_id=outcome["account_id"]),
                     registration_id)]

    await runtime.commits.execute(stream, decide, actor={"registration": registration_id})
    if "wrong" in outcome:
        left = max(outcome["wrong"], 0)
        raise Problem(422, "validation", attempts_left=left,
                      errors=[field_error("code", "wrong-code", variant=None if left else "locked", left=left)])
    return await open_account(runtime, started=outcome["started"])


def account_id_for(started: RegistrationStarted) -> str:
    """One account per person and jurisdiction: registering again signs in to it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ejustice:account:{started.jurisdiction}:{started.national_id}"))


async def open_account(runtime: ServiceRuntime, *, started: RegistrationStarted) -> SessionRead:
    account_id = account_id_for(started)
    stream = f"account-{started.jurisdiction}-{started.national_id}"
    new_account = not await runtime.commits.load(stream)
    registered = AccountRegistered(account_id=account_id, jurisdiction=started.jurisdiction,
                                   national_id=started.national_id, mobile=started.mobile)
    await runtime.commits.execute(
        stream,
        lambda history: [] if history else [wrap(registered, account_id)],
        cause=f"registered-{account_id}", actor={"subject": account_id})
    principal = Principal(subject=account_id, roles=[Role.CITIZEN], national_id=started.national_id,
                          jurisdiction=started.jurisdiction)
    token = runtime.state["issuer"].issue(principal)
    return SessionRead(access_token=token, expires_in=runtime.settings.token_minutes * 60, account_id=account_id,
                       new_account=new_account)


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
                     expires_in=runtime.settings.token_minutes * 60)
