"""The payment service's clock: pending payments expire, and unconfirmed refunds are asked for again."""

import asyncio

import structlog

from ejustice_payment.payments import service
from ejustice_payment.refunds import service as refunds
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def start_clock(runtime: ServiceRuntime) -> None:
    runtime.state["payment_clock"] = asyncio.create_task(_sweep_forever(runtime), name="payment-clock")


async def stop_clock(runtime: ServiceRuntime) -> None:
    task: asyncio.Task = runtime.state.pop("payment_clock")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def clock_readiness(runtime: ServiceRuntime) -> str | None:
    task: asyncio.Task | None = runtime.state.get("payment_clock")
    return "not running" if task is None or task.done() else None


async def _sweep_forever(runtime: ServiceRuntime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.sweep_seconds)
        try:
            if expired := await service.expire_due(runtime):
                log.info("pending payments expired", count=expired)
            if asked := await refunds.sweep(runtime):
                log.info("unconfirmed refunds asked for again", count=asked)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try again next round
            log.warning("payment sweep failed", error=repr(exc))
