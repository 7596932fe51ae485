"""The office console's sign-in and the visitor at the counter, kept in one HttpOnly cookie of its own.

Like the portal's, nothing is stored server-side: the cookie carries the clerk's token (staff have no refresh
token: they sign in again with a fresh code when it expires), and, while a visitor is at the counter, what the
console needs for them: the registration under way, the citizen's e-box code once registered, and the clerk's
token acting for them. The API checks every token again on every call; the cookie only spares typing.
"""

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request, Response

from ejustice_gateway.web import i18n
from ejustice_gateway.web.api import Portal, SignInNeeded
from ejustice_gateway.web.session import CookieState, WebSession

COOKIE = "ej_console"
LAYOUT = "console/layout.html"
POS_ATTEMPTS_KEPT = 200


@dataclass
class Visitor:
    """The person at the counter."""

    jurisdiction: str
    national_id: str
    mobile: str
    registration_id: str | None = None
    user_code: str | None = None  # their e-box user code, once registered
    citizen_token: str | None = None  # the citizen's access token from the registration, to read the e-box code
    acting_token: str | None = None  # the clerk's token acting for them (confirmed for a filing once they confirm)
    confirmation_id: str | None = None
    confirmation_filing: str | None = None


@dataclass
class ConsoleSession:
    staff_token: str
    visitor: Visitor | None = None

    @property
    def claims(self) -> dict:
        return jwt.decode(self.staff_token, options={"verify_signature": False})

    @property
    def expired(self) -> bool:
        return self.claims.get("exp", 0) <= time.time()


cookie = CookieState(COOKIE, "console_update")


def read(request: Request) -> ConsoleSession | None:
    try:
        if not (values := cookie.load(request)):
            return None
        visitor = values.pop("visitor", None)
        return ConsoleSession(**values, visitor=Visitor(**visitor) if visitor else None)
    except (TypeError, AttributeError):
        return None


def keep(request: Request, session: ConsoleSession | None) -> None:
    """Set (or, with None, clear) the console's cookie on the response the site's middleware sends."""
    cookie.keep(request, session)


def write(request: Request, response: Response) -> None:
    cookie.write(request, response, max_age=12 * 3600)


@dataclass
class Console(Portal):
    """A console page: the reader's language, the clerk's sign-in, and the API called with the clerk's token."""

    console: ConsoleSession | None = None
    office: dict = field(default_factory=dict)

    @property
    def staff(self) -> dict:
        return self.require().claims

    def require(self) -> ConsoleSession:
        if self.console is None:
            raise SignInNeeded()
        return self.console

    def visitor(self) -> Visitor | None:
        return self.console.visitor if self.console else None

    def acting(self) -> Portal:
        """The API as the clerk acting for the visitor (for the filing steps and the fee)."""
        visitor = self.visitor()
        if visitor is None or not visitor.acting_token:
            raise VisitorNeeded()
        return Portal(request=self.request, lang=self.lang, session=WebSession(
            access_token=visitor.acting_token, refresh_token="", jurisdiction=visitor.jurisdiction, lang=self.lang))

    def as_citizen(self) -> Portal:
        visitor = self.visitor()
        return Portal(request=self.request, lang=self.lang, session=WebSession(
            access_token=visitor.citizen_token or "", refresh_token="", jurisdiction=visitor.jurisdiction))

    def remember(self, visitor: Visitor | None) -> None:
        session = self.require()
        session.visitor = visitor
        keep(self.request, session)


class VisitorNeeded(Exception):
    """The page works for a visitor the clerk has not taken in yet: the visitor page follows."""


async def console(request: Request) -> Console:
    current = read(request)
    if current and current.expired:
        keep(request, None)
        current = None
    lang = i18n.choose(request)
    request.state.lang = lang
    request.state.signed_in = False  # the portal's menu is not the console's
    return Console(request=request, lang=lang, session=WebSession(
        access_token=current.staff_token, refresh_token="", jurisdiction="", lang=lang) if current else None,
        console=current)


async def signed_in(request: Request) -> Console:
    page = await console(request)
    page.require()
    return page


async def acting(request: Request) -> Portal:
    """For the shared filing steps: the clerk's token acting for the visitor at the counter."""
    return (await signed_in(request)).acting()


ConsoleContext = Annotated[Console, Depends(console)]
SignedIn = Annotated[Console, Depends(signed_in)]


# --- the POS terminal: a charge takes seconds; the page that started it does not wait for it ---------------------


@dataclass
class PosAttempt:
    staff: str
    filing_id: str
    task: asyncio.Task
    started: float = field(default_factory=time.time)

    def answer(self) -> dict | None:
        """The terminal's answer once in: {status, body}."""
        if not self.task.done():
            return None
        if self.task.cancelled() or self.task.exception() is not None:
            return {"status": 502, "body": {}}
        return self.task.result()


def _attempts(page: Console) -> dict[str, PosAttempt]:
    state = page.request.app.state
    if not hasattr(state, "pos_attempts"):
        state.pos_attempts = {}
    return state.pos_attempts


def start_pos(page: Console, filing_id: str, outcome: str | None) -> str:
    """Ask the payment service to charge the counter's terminal, in the background of this gateway process, under a
    fresh idempotency key; the attempt's id names it for the waiting page."""
    portal = page.acting()
    attempts = _attempts(page)
    for old in sorted(attempts, key=lambda k: attempts[k].started)[:max(0, len(attempts) - POS_ATTEMPTS_KEPT)]:
        attempts.pop(old)
    attempt_id = secrets.token_urlsafe(12)
    body: dict[str, Any] = {"filing_id": filing_id}
    if outcome:
        body["sandbox_outcome"] = outcome

    async def charge() -> dict:
        async with portal.client() as client:
            answer: httpx.Response = await client.post("/api/payments/pos", json=body,
                                                       headers={"idempotency-key": attempt_id})
        return {"status": answer.status_code, "body": answer.json() if answer.content else {}}

    attempts[attempt_id] = PosAttempt(staff=page.staff["sub"], filing_id=filing_id,
                                      task=asyncio.get_running_loop().create_task(charge()))
    return attempt_id


def pos_attempt(page: Console, attempt_id: str) -> PosAttempt | None:
    """The attempt, only for the clerk who started it."""
    attempt = _attempts(page).get(attempt_id)
    return attempt if attempt and attempt.staff == page.staff.get("sub") else None
