"""Signing up and signing in: the API's registration, one-time code and, in Vietnam, the national e-ID."""

import base64
import json
from dataclasses import asdict, dataclass

from fastapi import Request, Response

from ejustice_gateway.web import security
from ejustice_gateway.web.api import Portal

PENDING_COOKIE = "ej_registration"


@dataclass
class Pending:
    """A registration under way, between the form and the code: kept in the browser, HttpOnly."""

    registration_id: str
    jurisdiction: str
    national_id: str
    mobile: str
    masked_mobile: str
    next: str = "/cases"
    authorize_url: str | None = None
    nonce: str | None = None


def pending(request: Request) -> Pending | None:
    raw = request.cookies.get(PENDING_COOKIE)
    try:
        return Pending(**json.loads(base64.urlsafe_b64decode(raw.encode()))) if raw else None
    except (ValueError, TypeError):
        return None


def keep_pending(request: Request, response: Response, value: Pending | None) -> None:
    if value is None:
        response.delete_cookie(PENDING_COOKIE, path="/")
        return
    raw = base64.urlsafe_b64encode(json.dumps(asdict(value)).encode()).decode()
    response.set_cookie(PENDING_COOKIE, raw, max_age=20 * 60, **security.cookie_options(request))


async def nearest_offices(portal: Portal, jurisdiction: str) -> list[dict]:
    """Service offices where the person can prove who they are, if the registry can list them; else none."""
    answer = await portal.call("GET", "/offices", params={"jurisdiction": jurisdiction})
    if answer.status_code != 200:
        return []
    body = answer.json()
    offices = body if isinstance(body, list) else body.get("offices", []) if isinstance(body, dict) else []
    return [o for o in offices if isinstance(o, dict)][:5]
