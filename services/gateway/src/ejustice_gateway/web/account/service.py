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


# Where the offices are shown first, so that "here are the nearest" is never empty: each country's capital.
CAPITALS = {"IR": "IR-THR", "VN": "VN-HN"}


@dataclass
class Offices:
    """The service offices of one city, and the country's cities to choose another."""

    cities: list[dict]
    city_id: str
    offices: list[dict]


async def offices_in_city(portal: Portal, jurisdiction: str, city_id: str | None = None) -> Offices:
    """The working offices of the chosen city (the capital unless the person chose one of the country's cities),
    with their opening state and current wait."""
    answer = await portal.call("GET", "/cities", params={"jurisdiction": jurisdiction})
    cities = answer.json() if answer.status_code == 200 else []
    known = {c["city_id"] for c in cities}
    chosen = city_id if city_id in known else CAPITALS.get(jurisdiction, "")
    answer = await portal.call("GET", "/offices", params={"city_id": chosen}) if chosen else None
    offices = answer.json() if answer is not None and answer.status_code == 200 else []
    return Offices(cities=cities, city_id=chosen, offices=offices)
