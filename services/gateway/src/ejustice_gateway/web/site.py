"""The portal on the gateway's app: its pages, static files, headers and friendly error pages.

Every path outside /api, /readyz, /healthz and /metrics belongs to the portal; the API keeps its problem+json.
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send

from ejustice_gateway.web import i18n, security, session
from ejustice_gateway.web.account import views as account
from ejustice_gateway.web.api import PageFailure, SignInNeeded
from ejustice_gateway.web.cases import views as cases
from ejustice_gateway.web.console import service as console_session
from ejustice_gateway.web.console import views as console
from ejustice_gateway.web.ebox import views as ebox
from ejustice_gateway.web.filing import views as filing
from ejustice_gateway.web.papers import views as papers
from ejustice_gateway.web.statistics import views as statistics
from ejustice_gateway.web.templating import render
from ejustice_gateway.web.verify import views as verify
from ejustice_gateway.web.views import router as home
from ejustice_shared import logs
from ejustice_shared.problems import Problem

STATIC = Path(__file__).parent / "static"
API_PREFIXES = ("/api/", "/readyz", "/healthz", "/metrics", "/docs", "/openapi.json", "/redoc")
log = logs.get("portal")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def install(app: FastAPI) -> None:
    for router in (home, account.router, cases.router, filing.router, ebox.router, papers.router, verify.router,
                   statistics.router, console.router, console.steps):
        app.include_router(router, include_in_schema=False)
    STATIC.mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def portal_headers(request: Request, call_next):
        response = await call_next(request)
        if is_page(request):
            for name, value in security.HEADERS.items():
                response.headers.setdefault(name, value)
            session.write(request, response)
            console_session.write(request, response)
        return response

    app.add_middleware(PagesOnly, dispatch=portal_headers)

    for kind in (Problem, RequestValidationError, StarletteHTTPException, PageFailure, SignInNeeded,
                 console_session.VisitorNeeded, Exception):
        _page_or_problem(app, kind)


class PagesOnly:
    """A page middleware that the API passes by: Starlette's `BaseHTTPMiddleware` runs each request it
    sees in another task and streams the answer through a queue, a cost no API request needs to pay."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction):
        self.app = app
        self.pages = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(API_PREFIXES):
            await self.pages(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _page_or_problem(app: FastAPI, kind: type[Exception]) -> None:
    """Pages answer errors with a page in the reader's language; the API keeps its own handler."""
    api_handler = app.exception_handlers.get(kind) or app.exception_handlers.get(Exception)

    async def handle(request: Request, exc: Exception):
        if not is_page(request) and api_handler is not None:
            return await api_handler(request, exc)
        return error_page(request, exc)

    app.add_exception_handler(kind, handle)


def is_console(request: Request) -> bool:
    return request.url.path == "/console" or request.url.path.startswith("/console/")


def error_page(request: Request, exc: Exception):
    if isinstance(exc, SignInNeeded):
        if is_console(request):  # the clerk's token expired (no refresh for staff) or was refused: sign in again
            console_session.keep(request, None)
            return RedirectResponse("/console/sign-in", status_code=303)
        return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
    if isinstance(exc, console_session.VisitorNeeded):
        return RedirectResponse("/console/visitor", status_code=303)
    status, detail, headers = 500, None, {}
    if isinstance(exc, PageFailure):
        status, detail = exc.status, exc.detail
        if exc.retry_after:
            headers["retry-after"] = exc.retry_after
    elif isinstance(exc, Problem):
        status, detail = exc.status, exc.detail
    elif isinstance(exc, StarletteHTTPException):
        status = exc.status_code
    elif isinstance(exc, RequestValidationError):
        status = 400
    else:
        log.error("portal page failed", path=request.url.path, error=repr(exc))
    lang = getattr(request.state, "lang", None) or i18n.choose(request, (session.read(request) or _NoSession).lang)
    context = {"status": status, "detail": detail if status < 500 else None}
    if is_console(request):
        context |= {"layout": console_session.LAYOUT, "home": "/console",
                    "staff": (console_session.read(request) or _NoConsole).claims}
    response = render(request, "error.html", context, status_code=status, lang=lang)
    response.headers.update(headers)
    return response


class _NoSession:
    lang = None


class _NoConsole:
    claims: dict = {}
