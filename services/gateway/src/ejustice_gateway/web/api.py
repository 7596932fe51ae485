"""The portal calls the services through the gateway's own API, in-process, exactly as a browser's script
would over HTTP: the same routes, tokens, limits and problem answers."""

from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from ejustice_gateway.web import i18n, session
from ejustice_gateway.web.session import WebSession


class SignInNeeded(Exception):
    """The page needs a signed-in person; the portal answers with the sign-in page."""


class PageFailure(Exception):
    """The API refused in a way the page cannot mend (404, 429, 5xx): a friendly error page follows."""

    def __init__(self, status: int, detail: str | None = None, retry_after: str | None = None):
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


@dataclass
class Portal:
    """What a page works with: the reader's language, the sign-in (if any) and the API."""

    request: Request
    lang: str
    session: WebSession | None

    def client(self) -> httpx.AsyncClient:
        browser = self.request.client.host if self.request.client else "127.0.0.1"
        headers = {"accept-language": self.lang}
        if self.session:
            headers["authorization"] = f"Bearer {self.session.access_token}"
        transport = httpx.ASGITransport(app=self.request.app, client=(browser, 0))
        return httpx.AsyncClient(transport=transport, base_url="http://portal.internal", headers=headers,
                                 timeout=self.request.app.state.runtime.settings.upstream_timeout_seconds)

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self.client() as client:
            return await client.request(method, "/api" + path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Any:
        """A read the page needs: its JSON, or the matching error page."""
        return expect(await self.call("GET", path, **kwargs))

    @property
    def signed_in(self) -> bool:
        return self.session is not None

    def require_sign_in(self) -> WebSession:
        if self.session is None:
            raise SignInNeeded()
        return self.session


def expect(answer: httpx.Response, *ok: int) -> Any:
    if answer.status_code in (ok or (200, 201)):
        return answer.json() if answer.content else None
    fail(answer)


def fail(answer: httpx.Response):
    if answer.status_code == 401:
        raise SignInNeeded()
    detail = None
    if answer.headers.get("content-type", "").startswith("application/problem+json"):
        detail = answer.json().get("detail")
    status = answer.status_code if answer.status_code in (403, 404, 409, 413, 429) else 502 \
        if answer.status_code >= 500 else 400
    raise PageFailure(status, detail, answer.headers.get("retry-after"))


async def portal(request: Request) -> Portal:
    current = session.read(request)
    if current and current.needs_renewal:
        current = await _renew(request, current)
    lang = i18n.choose(request, current.lang if current else None)
    request.state.lang = lang
    request.state.signed_in = current is not None
    return Portal(request=request, lang=lang, session=current)


async def _renew(request: Request, current: WebSession) -> WebSession | None:
    probe = Portal(request=request, lang=i18n.DEFAULT, session=None)
    answer = await probe.call("POST", "/auth/refresh", json={"refresh_token": current.refresh_token})
    if answer.status_code != 200:
        session.keep(request, None)
        return None
    body = answer.json()
    renewed = WebSession(access_token=body["access_token"], refresh_token=body["refresh_token"],
                         jurisdiction=current.jurisdiction, lang=current.lang)
    session.keep(request, renewed)
    return renewed


PortalContext = Annotated[Portal, Depends(portal)]


def form_errors(answer: httpx.Response, fields: dict[str, str] | None = None) -> dict[str, str]:
    """A problem's field errors as {form field: reason in the reader's language}; `fields` maps API field paths
    to the form's names. A problem without field errors is told against `_page`."""
    body = answer.json() if answer.content else {}
    errors: dict[str, str] = {}
    for error in body.get("errors") or []:
        field = error.get("field") or "_page"
        name = (fields or {}).get(field, field.replace(".", "-"))
        errors.setdefault(name, error.get("reason") or body.get("detail") or "")
    if not errors:
        errors["_page"] = body.get("detail") or body.get("title") or str(answer.status_code)
    return errors
