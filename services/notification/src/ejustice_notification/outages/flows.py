"""Outages: a confirmed one extends the deadlines it caught; and the detector, which watches the platform's own
health and records a long enough spell of not being ready as a detected outage, for an operator to confirm."""

import asyncio
from datetime import timedelta

import structlog

from ejustice_notification.common import now
from ejustice_notification.outages import service
from ejustice_shared.events import Envelope, OutageConfirmed, OutageRecorded
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def start_detector(runtime: ServiceRuntime) -> None:
    runtime.state["outage_detector"] = asyncio.create_task(_watch(runtime), name="outage-detector")


async def stop_detector(runtime: ServiceRuntime) -> None:
    detector: asyncio.Task = runtime.state["outage_detector"]
    detector.cancel()
    await asyncio.gather(detector, return_exceptions=True)


async def _watch(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    down_since = None
    while True:
        await asyncio.sleep(settings.outage_probe_seconds)
        try:
            problems = await runtime.readiness()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            problems = {"readiness": repr(exc)}
        if problems:
            down_since = down_since or now()
            continue
        if down_since and now() - down_since >= timedelta(seconds=settings.outage_detect_after_seconds):
            try:
                outage = await service.record_detected(runtime, started_at=down_since, ended_at=now())
                log.warning("outage detected, awaiting confirmation", outage_id=outage.outage_id)
            except Exception as exc:  # recorded next time the platform is well
                log.warning("could not record a detected outage", error=repr(exc))
                continue
        down_since = None


async def on_outage(runtime: ServiceRuntime, envelope: Envelope, event: OutageRecorded | OutageConfirmed) -> None:
    outage = await service.load(runtime, event.outage_id)
    if outage is not None and outage.confirmed:
        await service.extend_deadlines(runtime, outage)
