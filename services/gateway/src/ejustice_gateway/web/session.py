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


def read(request: Request) -> WebSession | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return WebSession(**json.loads(base64.urlsafe_b64decode(raw.encode())))
    except (ValueError, TypeError):
        return None


def keep(request: Request, session: WebSession | None) -> None:
    """Set (or, with None, clear) the cookie on the response the portal's middleware sends."""
    request.state.session_update = session or False


def write(request: Request, response: Response) -> None:
    update = getattr(request.state, "session_update", None)
    if update is None:
        return
    if update is False:
        response.delete_cookie(COOKIE, path="/")
        return
    value = base64.urlsafe_b64encode(json.dumps(asdict(update)).encode()).decode()
    days = request.app.state.runtime.settings.refresh_token_days
    response.set_cookie(COOKIE, value, max_age=days * 86400, **security.cookie_options(request))
