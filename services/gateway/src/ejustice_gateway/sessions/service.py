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
from dataclasses import dataclass, replace
from datetime import timedelta

from ejustice_gateway.identity import accounts
from ejustice_gateway.identity.events import AccountActedForByClerk, AccountSignedOutEverywhere
from ejustice_gateway.identity.models import SessionRead, TokenRead
from ejustice_gateway.proofing import service as proofing
from ejustice_gateway.proofing.models import OnBehalfCreate
from ejustice_gateway.sessions.events import SessionOpened, SessionRefreshed, SessionRevoked
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

TOKEN_SHAPE = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{20,100}$")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token(session_id: str) -> str:
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def invalid() -> Problem:
    return Problem(401, "refresh-token-invalid", detail="This refresh token is not valid; sign in again.")


@dataclass(frozen=True)
class Session:
    opened: SessionOpened | None = None
    current: str | None = None
    replaced: tuple[str, ...] = ()
    expires_at: str = ""
    revoked: str | None = None


aggregate = Aggregate("session", stream=lambda session_id: f"session-{session_id}", initial=Session(),
                      source="gateway", state_type=Session)


@aggregate.evolves(SessionOpened)
def _opened(state: Session, opened: SessionOpened, fact: Fact) -> Session:
    return replace(state, opened=opened, current=opened.token_hash, expires_at=opened.expires_at)


@aggregate.evolves(SessionRefreshed)
def _refreshed(state: Session, refreshed: SessionRefreshed, fact: Fact) -> Session:
    return replace(state, replaced=(*state.replaced, refreshed.replaced_hash), current=refreshed.token_hash,
                   expires_at=refreshed.expires_at)


@aggregate.evolves(SessionRevoked)
def _revoked(state: Session, revoked: SessionRevoked, fact: Fact) -> Session:
    return replace(state, revoked=revoked.reason)


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


def open_once(session: Session, opened: SessionOpened) -> Decision:
    return Decision([] if session.opened else [opened])


async def open_session(runtime: ServiceRuntime, *, session_id: str, account_id: str, jurisdiction: str,
                       national_id: str, account_seq: int, new_account: bool) -> SessionRead:
    refresh_token = new_refresh_token(session_id)
    opened = SessionOpened(session_id=session_id, account_id=account_id, jurisdiction=jurisdiction,
                           national_id=national_id, account_seq=account_seq, token_hash=digest(refresh_token),
                           expires_at=expiry(runtime))
    await aggregate.execute(runtime.commits, session_id, open_once, opened, actor={"subject": account_id})
    return session_read(runtime, opened, refresh_token, new_account=new_account)


@dataclass(frozen=True)
class Refresh:
    presented: str  # the hash of the refresh token presented
    replacement: str  # the hash of the one to replace it
    expires_at: str
    now: str
    account: accounts.Account  # the session's account, read before


def refresh_session(session: Session, command: Refresh) -> Decision:
    """Rotate the refresh token; a replaced one presented again revokes the session (result "reused")."""
    if session.opened is None:
        raise invalid()
    if session.revoked:
        raise Problem(401, "session-revoked", detail="This session was ended; sign in again.")
    session_id = session.opened.session_id
    if command.presented in session.replaced:  # a replaced token came back: someone holds a copy
        return Decision([SessionRevoked(session_id=session_id, reason="refresh-token-reused")], "reused")
    if command.presented != session.current:
        raise invalid()
    if session.expires_at < command.now:
        raise Problem(401, "refresh-token-expired", detail="This session has expired; sign in again.")
    if command.account.signed_out_at_seq > session.opened.account_seq:
        raise Problem(401, "session-revoked", detail="You signed out everywhere; sign in again.")
    return Decision([SessionRefreshed(session_id=session_id, replaced_hash=command.presented,
                                      token_hash=command.replacement, expires_at=command.expires_at)], "refreshed")


async def refresh(runtime: ServiceRuntime, *, token: str) -> SessionRead:
    if not TOKEN_SHAPE.match(token):
        raise invalid()
    session_id = token.split(".")[0]
    session = await aggregate.state(runtime.commits, session_id)
    if session.opened is None:
        raise invalid()
    account = await accounts.load(runtime, session.opened.jurisdiction, session.opened.national_id)
    replacement = new_refresh_token(session_id)
    command = Refresh(digest(token), digest(replacement), expiry(runtime), clock.iso(), account)
    outcome = await aggregate.execute(runtime.commits, session_id, refresh_session, command,
                                      actor={"session": session_id})
    if outcome.result == "reused":
        raise Problem(401, "refresh-token-reused",
                      detail="This refresh token was used before; the session is ended everywhere it was used. "
                             "Sign in again.")
    return session_read(runtime, outcome.state.opened, replacement)


def end_session(session: Session, presented: str) -> Decision:
    """Ends the session the token belongs to (current or replaced); nothing for a token it does not know."""
    if session.opened is None or session.revoked or presented not in (*session.replaced, session.current):
        return Decision([])
    return Decision([SessionRevoked(session_id=session.opened.session_id, reason="signed-out")])


async def sign_out(runtime: ServiceRuntime, *, token: str) -> None:
    if not TOKEN_SHAPE.match(token):
        return
    session_id = token.split(".")[0]
    await aggregate.execute(runtime.commits, session_id, end_session, digest(token), actor={"session": session_id})


def own_account(principal: Principal) -> tuple[str, str]:
    """The account a citizen's token speaks for, when it is their own (not a clerk acting for them)."""
    if not principal.has(Role.CITIZEN) or principal.on_behalf_of or not (principal.jurisdiction
                                                                          and principal.national_id):
        raise Problem(403, "forbidden", detail="Only an account holder signs their own account out.")
    return principal.jurisdiction, principal.national_id


def sign_out_all(account: accounts.Account, principal: Principal) -> Decision:
    if account.account_id != principal.subject:
        raise Problem(404, "account-not-found", detail="No such account.")
    return Decision([AccountSignedOutEverywhere(account_id=account.account_id)])


async def sign_out_everywhere(runtime: ServiceRuntime, *, principal: Principal) -> None:
    jurisdiction, national_id = own_account(principal)
    await accounts.aggregate.execute(runtime.commits, accounts.key_of(jurisdiction, national_id), sign_out_all,
                                     principal, actor=principal.as_actor())


def note_clerk(account: accounts.Account, acted: AccountActedForByClerk) -> Decision:
    if not account.exists:
        raise Problem(404, "account-not-found", errors=[field_error("national_id", "no-account")])
    return Decision([acted])


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
    await accounts.aggregate.execute(runtime.commits, accounts.key_of(create.jurisdiction, create.national_id),
                                     note_clerk, acted, actor=principal.as_actor())
    clerk = Principal(subject=principal.subject, roles=[Role.CLERK], name=principal.name,
                      office_id=principal.office_id, counter=principal.counter, office_role=principal.office_role,
                      on_behalf_of=acted.account_id)
    return TokenRead(access_token=runtime.state["issuer"].issue(clerk),
                     expires_in=runtime.settings.access_token_minutes * 60)


def new_session_id() -> str:
    return uuid.uuid4().hex
