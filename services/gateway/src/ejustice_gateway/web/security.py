"""The portal's protections: a strict Content-Security-Policy and other headers, CSRF tokens, cookie rules."""

import hmac
import secrets

from fastapi import Request, Response

from ejustice_shared.problems import Problem

CSRF_COOKIE = "ej_csrf"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere: everything the pages use is served from the portal's own static folder.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "x-frame-options": "DENY",
           "referrer-policy": "same-origin", "permissions-policy": "camera=(), microphone=(), geolocation=()"}


def cookie_options(request: Request) -> dict:
    """HttpOnly, SameSite=Lax (a link from elsewhere may open a page, never post a form) and Secure; browsers keep
    Secure cookies on loopback too, so development behaves like production."""
    return {"httponly": True, "samesite": "lax", "secure": request.app.state.runtime.settings.web_secure_cookies,
            "path": "/"}


def csrf_token(request: Request) -> str:
    """The token forms carry: the one in the visitor's cookie, or a new one that the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def keep_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, **{**cookie_options(request), "samesite": "strict"})


def check_csrf(request: Request, form) -> None:
    """Double submit: the form's token must equal the cookie's, which another site can neither read nor set."""
    sent = form.get(CSRF_FIELD) if form is not None else None
    kept = request.cookies.get(CSRF_COOKIE)
    if not (isinstance(sent, str) and kept and hmac.compare_digest(sent, kept)):
        raise Problem(403, "csrf-token-invalid", detail="The form expired; open the page again and resend it.")
