"""What the notification service does when a court decides on a filing, and when time passes."""

import asyncio

import structlog

from ejustice_notification.cases import service as cases
from ejustice_notification.eboxes import service as eboxes
from ejustice_notification.notices import service
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.paper import service as paper
from ejustice_shared.events import Envelope, FilingAccepted, FilingReturned, Party
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def on_filing_accepted(runtime: ServiceRuntime, envelope: Envelope, event: FilingAccepted) -> None:
    """Every party is told: in their e-box if they have one, on paper if not; the court may post notices on the case."""
    await cases.record(runtime, event)
    for party in _distinct(event.parties):
        content = service.acceptance_notice(event, party)
        ebox = await eboxes.find(runtime, jurisdiction=event.jurisdiction, national_id=party.national_id)
        await _serve(runtime, envelope, content, ebox=ebox, on_paper=[party])


async def on_filing_returned(runtime: ServiceRuntime, envelope: Envelope, event: FilingReturned) -> None:
    """The filer is told what to correct; without an e-box, the applicants are served on paper."""
    ebox = await eboxes.of_account(runtime, event.filer_id)
    applicants = [party for party in _distinct(event.parties) if party.role == "applicant"]
    await _serve(runtime, envelope, service.return_notice(event), ebox=ebox, on_paper=applicants)


async def _serve(runtime: ServiceRuntime, envelope: Envelope, content: NoticeContent, *, ebox, on_paper: list[Party]):
    if ebox is not None:
        await service.deliver(runtime, cause=envelope, ebox=ebox, content=content)
        return
    for party in on_paper:
        await paper.open_task(runtime, cause=envelope, party=party, content=content)


def _distinct(parties: list[Party]) -> list[Party]:
    """One notice per person, even when a filing names them twice."""
    seen: dict[str, Party] = {}
    for party in parties:
        seen.setdefault(party.national_id, party)
    return list(seen.values())


# --- the deemed-service clock ------------------------------------------------------------------------


async def start_deemed_service_clock(runtime: ServiceRuntime) -> None:
    runtime.state["deemed_service_clock"] = asyncio.create_task(_serve_due_forever(runtime), name="deemed-service")


async def stop_deemed_service_clock(runtime: ServiceRuntime) -> None:
    clock: asyncio.Task = runtime.state["deemed_service_clock"]
    clock.cancel()
    await asyncio.gather(clock, return_exceptions=True)


async def deemed_service_clock_readiness(runtime: ServiceRuntime) -> str | None:
    clock: asyncio.Task | None = runtime.state.get("deemed_service_clock")
    return "not running" if clock is None or clock.done() else None


async def _serve_due_forever(runtime: ServiceRuntime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.deemed_service_check_seconds)
        try:
            if served := await service.serve_due(runtime):
                log.info("notices served by the passing of time", count=served)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try again next round
            log.warning("deemed-service check failed", error=repr(exc))
