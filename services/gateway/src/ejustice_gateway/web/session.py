"""The portal's sign-in: the API's own access and refresh tokens, kept in one HttpOnly cookie.

Nothing is stored server-side: the gateway already keeps sessions (refresh tokens, revocation); the cookie only
carries the tokens, the account's language and jurisdiction. A token about to expire is renewed on the way.
"""

import base64
import json
import time
from dataclasses import asdict, dataclass

import jwt
from fastapi import Request, Response

from ejustice_gateway.web import security

COOKIE = "ej_session"
RENEW_SECONDS = 30


@dataclass
class WebSession:
    access_token: str
    refresh_token: str
    jurisdiction: str
    lang: str | None = None

    @property
    def expires_at(self) -> float:
        return jwt.decode(self.access_token, options={"verify_signature": False}).get("exp", 0)

    @property
    def needs_renewal(self) -> bool:
        return self.expires_at - time.time() < RENEW_SECONDS

    @property
    def account_id(self) -> str:
        return jwt.decode(self.access_token, options={"verify_signature": False}).get("sub", "")


class CookieState:
    """A dataclass kept in an HttpOnly cookie as base64 JSON: read from the request, then set or cleared on the
    response by the site's middleware once the page has decided. The portal and the console each keep one."""

    def __init__(self, name: str, state_key: str):
        self.name, self.state_key = name, state_key

    def load(self, request: Request) -> dict | None:
        raw = request.cookies.get(self.name)
        if not raw:
            return None
        try:
            return json.loads(base64.urlsafe_b64decode(raw.encode()))
        except ValueError:
            return None

    def keep(self, request: Request, value: object | None) -> None:
        setattr(request.state, self.state_key, value or False)

    def write(self, request: Request, response: Response, max_age: int) -> None:
        update = getattr(request.state, self.state_key, None)
        if update is None:
            return
        if update is False:
            response.delete_cookie(self.name, path="/")
            return
        value = base64.urlsafe_b64encode(json.dumps(asdict(update)).encode()).decode()
        response.set_cookie(self.name, value, max_age=max_age, **security.cookie_options(request))


cookie = CookieState(COOKIE, "session_update")


def read(request: Request) -> WebSession | None:
    try:
        return WebSession(**values) if (values := cookie.load(request)) else None
    except TypeError:
        return None


def keep(request: Request, session: WebSession | None) -> None:
    """Set (or, with None, clear) the cookie on the response the portal's middleware sends."""
    cookie.keep(request, session)


def write(request: Request, response: Response) -> None:
    cookie.write(request, response, max_age=request.app.state.runtime.settings.refresh_token_days * 86400)
