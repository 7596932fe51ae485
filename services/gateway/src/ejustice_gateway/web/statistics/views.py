from fastapi import APIRouter

from ejustice_gateway.web.api import Portal, PortalContext
from ejustice_gateway.web.statistics import service
from ejustice_gateway.web.templating import render

router = APIRouter(prefix="/statistics")


async def _names(portal: Portal, path: str, key: str) -> dict[str, dict]:
    """Court or subject names in every language; the codes stand in when the service that names them is away."""
    answer = await portal.call("GET", path)
    return {item[key]: item["names"] for item in answer.json()} if answer.status_code == 200 else {}


@router.get("")
async def statistics_page(portal: PortalContext):
    """Anyone: how notices are seen and served, e-box against paper; filings; fees. No personal data."""
    figures = await portal.get("/statistics")
    return render(portal.request, "statistics.html", {
        **service.page(figures), "court_names": await _names(portal, "/courts", "court_id"),
        "subject_names": await _names(portal, "/subjects", "code")})
