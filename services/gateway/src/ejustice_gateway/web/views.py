from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from ejustice_gateway.web import i18n, security, session
from ejustice_gateway.web.api import PortalContext
from ejustice_gateway.web.templating import render

router = APIRouter()


@router.get("/")
async def home(portal: PortalContext):
    return render(portal.request, "home.html")


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never an address elsewhere (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/language/{lang}")
async def choose_language(lang: str, request: Request, portal: PortalContext, next: str = "/"):
    """The switcher on every page: a plain link, so it works without script. Kept in a cookie and, for a signed-in
    person, as the account's preference for the portal."""
    if lang not in i18n.LANGUAGES:
        lang = i18n.DEFAULT
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, **security.cookie_options(request))
    if portal.session:
        portal.session.lang = lang
        session.keep(request, portal.session)
    return response
