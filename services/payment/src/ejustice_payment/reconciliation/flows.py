"""The reconciliation's daily clock: at PAYMENT_RECONCILIATION_TIME (UTC), the previous day."""

import asyncio
from datetime import datetime, time, timedelta

import structlog

from ejustice_payment.payments import service as payments
from ejustice_payment.providers.service import provider_of
from ejustice_payment.reconciliation import service
from ejustice_shared import clock
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


def next_run(now: datetime, at: str) -> datetime:
    hours, minutes = (int(part) for part in at.split(":"))
    today = datetime.combine(now.date(), time(hours, minutes), tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


async def start_clock(runtime: ServiceRuntime) -> None:
    if runtime.settings.reconciliation_time:
        runtime.state["reconciliation_clock"] = asyncio.create_task(_daily(runtime), name="reconciliation")


async def stop_clock(runtime: ServiceRuntime) -> None:
    if task := runtime.state.pop("reconciliation_clock", None):
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _daily(runtime: ServiceRuntime) -> None:
    while True:
        now = clock.now()
        await asyncio.sleep((next_run(now, runtime.settings.reconciliation_time) - now).total_seconds())
        day = clock.now().date() - timedelta(days=1)
        try:
            report = await service.reconcile(runtime.commits, provider_of(runtime), day=day,
                                             filing_of=payments.filing_lookup(runtime.commits))
            log.info("reconciled", day=report.day, matched=report.matched, mismatches=len(report.mismatches))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the provider or the database may be away: the operator can run it on demand
            log.error("reconciliation failed", day=day.isoformat(), error=repr(exc))
