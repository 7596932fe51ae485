"""Sessions: short-lived access tokens, renewed with a refresh token that can be revoked.

A refresh token is opaque (`<session id>.<secret>`) and only its SHA-256 is stored: it is a
long random secret, so a fast hash suffices. Each use replaces it (rotation); presenting a
replaced token again means it was copied, so the whole session is revoked. Signing out ends
one session; signing out everywhere writes an entry in the account's log that revokes every
session opened before it. Access tokens stay stateless: a revoked session's last access
token lives out its few minutes.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from ejustice_gateway.identity import accounts
from ejustice_gateway.identity.events import AccountActedForByClerk, AccountSignedOutEverywhere
from ejustice_gateway.identity.models import SessionRead, TokenRead
from ejustice_gateway.proofing import service as proofing
from ejustice_gateway.proofing.models import OnBehalfCreate
from ejustice_gateway.sessions.events import SessionOpened, SessionRefreshed, SessionRevoked
from ejustice_shared import clock
from ejustice_shared.auth import Principal, Role
from ejustice_shared.commits import Commit
from ejustice_shared.events import Envelope, EventData
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

TOKEN_SHAPE = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{20,100}$")


def wrap(data: EventData, subject: str) -> Envelope:
    return Envelope.wrap(data, source="gateway", subject=subject)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token(session_id: str) -> str:
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def invalid() -> Problem:
    return Problem(401, "refresh-token-invalid", detail="This refresh token is not valid; sign in again.")


@dataclass
class Session:
    opened: SessionOpened | None = None
    current: str | None = None
    replaced: set[str] = field(default_factory=set)
    expires_at: str = ""
    revoked: str | None = None


def fold(history: list[Commit]) -> Session:
    session = Session()
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case SessionOpened() as opened:
                    session.opened, session.current, session.expires_at = opened, opened.token_hash, opened.expires_at
                case SessionRefreshed() as refreshed:
                    session.replaced.add(refreshed.replaced_hash)
                    session.current, session.expires_at = refreshed.token_hash, refreshed.expires_at
                case SessionRevoked() as revoked:
                    session.revoked = revoked.reason
    return session


def access_token(runtime: ServiceRuntime, opened: SessionOpened) -> str:
    principal = Principal(subject=opened.account_id, roles=[Role.CITIZEN], national_id=opened.national_id,
                          jurisdiction=opened.jurisdiction)
    return runtime.state["issuer"].issue(principal)


def session_read(runtime: ServiceRuntime, opened: SessionOpened, refresh_token: str, *,
                 new_account: bool = False) -> SessionRead:
    settings = runtime.settings
    return SessionRead(access_token=access_token(runtime, opened), expires_in=settings.access_token_minutes * 60,
                       account_id=opened.account_id, new_account=new_account, refresh_token=refresh_token,
                       refresh_expires_in=settings.refresh_token_days * 86400)


def expiry(runtime: ServiceRuntime) -> str:
    return clock.iso(clock.now() + timedelta(days=runtime.settings.refresh_token_days))


async def open_session(runtime: ServiceRuntime, *, session_id: str, account_id: str, jurisdiction: str,
                       national_id: str, account_seq: int, new_account: bool) -> SessionRead:
    refresh_token = new_refresh_token(session_id)
    opened = SessionOpened(session_id=session_id, account_id=account_id, jurisdiction=jurisdiction,
                           national_id=national_id, account_seq=account_seq, token_hash=digest(refresh_token),
                           expires_at=expiry(runtime))
    await runtime.commits.execute(f"session-{session_id}", lambda history: [wrap(opened, session_id)],
                                  actor={"subject": account_id})
    return session_read(runtime, opened, refresh_token, new_account=new_account)


async def refresh(runtime: ServiceRuntime, *, token: str) -> SessionRead:
    if not TOKEN_SHAPE.match(token):
        raise invalid()
    session_id = token.split(".")[0]
    presented = digest(token)
    replacement = new_refresh_token(session_id)
    outcome: dict = {}

    async def decide(history: list[Commit]) -> list[Envelope]:
        outcome.clear()
        session = fold(history)
        if session.opened is None:
            raise invalid()
        if session.revoked:
            raise Problem(401, "session-revoked", detail="This session was ended; sign in again.")
        if presented in session.replaced:  # a replaced token came back: someone holds a copy
            outcome["reused"] = True
            return [wrap(SessionRevoked(session_id=session_id, reason="refresh-token-reused"), session_id)]
        if presented != session.current:
            raise invalid()
        if session.expires_at < clock.iso():
            raise Problem(401, "refresh-token-expired", detail="This session has expired; sign in again.")
        account = await accounts.load(runtime, session.opened.jurisdiction, session.opened.national_id)
        if account.signed_out_at_seq > session.opened.account_seq:
            raise Problem(401, "session-revoked", detail="You signed out everywhere; sign in again.")
        outcome["opened"] = session.opened
        return [wrap(SessionRefreshed(session_id=session_id, replaced_hash=presented,
                                      token_hash=digest(replacement), expires_at=expiry(runtime)), session_id)]

    await runtime.commits.execute(f"session-{session_id}", decide, actor={"session": session_id})
    if outcome.get("reused"):
        raise Problem(401, "refresh-token-reused",
                      detail="This refresh token was used before; the session is ended everywhere it was used. "
                             "Sign in again.")
    return session_read(runtime, outcome["opened"], replacement)


async def sign_out(runtime: ServiceRuntime, *, token: str) -> None:
    """Ends the session the token belongs to (current or replaced); says nothing about tokens it does not know."""
    if not TOKEN_SHAPE.match(token):
        return
    session_id = token.split(".")[0]
    presented = digest(token)

    def decide(history: list[Commit]) -> list[Envelope]:
        session = fold(history)
        if session.opened is None or session.revoked or presented not in session.replaced | {session.current}:
            return []
        return [wrap(SessionRevoked(session_id=session_id, reason="signed-out"), session_id)]

    await runtime.commits.execute(f"session-{session_id}", decide, actor={"session": session_id})


def own_account(principal: Principal) -> tuple[str, str]:
    """The account a citizen's token speaks for, when it is their own (not a clerk acting for them)."""
    if not principal.has(Role.CITIZEN) or principal.on_behalf_of or not (principal.jurisdiction
                                                                          and principal.national_id):
        raise Problem(403, "forbidden", detail="Only an account holder signs their own account out.")
    return principal.jurisdiction, principal.national_id


async def sign_out_everywhere(runtime: ServiceRuntime, *, principal: Principal) -> None:
    jurisdiction, national_id = own_account(principal)

    def decide(history: list[Commit]) -> list[Envelope]:
        account = accounts.fold(history)
        if account.account_id != principal.subject:
            raise Problem(404, "account-not-found", detail="No such account.")
        return [wrap(AccountSignedOutEverywhere(account_id=account.account_id), account.account_id)]

    await runtime.commits.execute(accounts.stream_of(jurisdiction, national_id), decide, actor=principal.as_actor())


async def act_on_behalf(runtime: ServiceRuntime, *, principal: Principal, create: OnBehalfCreate) -> TokenRead:
    """A clerk's token acting for a citizen whose ID they checked at this office's counter, recently."""
    if not principal.office_id or principal.on_behalf_of:
        raise Problem(403, "forbidden", detail="Only a clerk at an office counter acts for a citizen.")
    proof = await proofing.at_counter(runtime, jurisdiction=create.jurisdiction, national_id=create.national_id,
                                      office_id=principal.office_id)
    if proof is None:
        raise Problem(403, "not-proven-at-this-office",
                      errors=[field_error("national_id", "not-proven-at-office",
                                          hours=runtime.settings.on_behalf_hours)])
    acted = AccountActedForByClerk(account_id=accounts.account_id_for(create.jurisdiction, create.national_id),
                                   office_id=principal.office_id, clerk=principal.subject, proof_id=proof.proof_id)

    def decide(history: list[Commit]) -> list[Envelope]:
        if not accounts.fold(history).exists:
            raise Problem(404, "account-not-found", errors=[field_error("national_id", "no-account")])
        return [wrap(acted, acted.account_id)]

    await runtime.commits.execute(accounts.stream_of(create.jurisdiction, create.national_id), decide,
                                  actor=principal.as_actor())
    clerk = Principal(subject=principal.subject, roles=[Role.CLERK], name=principal.name,
                      office_id=principal.office_id, counter=principal.counter, office_role=principal.office_role,
                      on_behalf_of=acted.account_id)
    return TokenRead(access_token=runtime.state["issuer"].issue(clerk),
                     expires_in=runtime.settings.access_token_minutes * 60)


def new_session_id() -> str:
    return uuid.uuid4().hex
