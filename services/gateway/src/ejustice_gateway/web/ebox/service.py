"""The e-box as pages: listing never counts as viewing; opening a notice does, and the page says so first."""

from ejustice_gateway.web.api import Portal


async def deadline(portal: Portal, notice_id: str) -> dict | None:
    """The deadline the notification service computed from the notice's service (none before it is served)."""
    answer = await portal.call("GET", f"/notices/{notice_id}/deadline")
    return answer.json().get("deadline") if answer.status_code == 200 else None


def find(notices: list[dict], notice_id: str) -> dict | None:
    return next((n for n in notices if n["notice_id"] == notice_id), None)
