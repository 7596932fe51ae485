"""Public statistics: how many notices are seen and how soon they are served, by court, kind, channel and
month; filings per subject and court; fees per fee code. No personal data, small counts suppressed.

Facts are inserted once each, keyed by the id of what they count (so a redelivered event counts
nothing twice): an e-box notice where it is delivered (notices/service.py), the rest from events; in
`stat_notices`, `stat_steps` (a notice seen or served), `stat_filings` and `stat_fees`; the figures are
summed from them with `$group` when asked.
"""

import contextlib
from collections.abc import Sequence
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import settled
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.statistics.models import FeeFigures, FilingFigures, NoticeFigures, StatisticsRead
from ejustice_shared import bulk
from ejustice_shared.runtime import ServiceRuntime

NOTICES, STEPS, FILINGS, FEES = "stat_notices", "stat_steps", "stat_filings", "stat_fees"
DIMENSIONS = ("court_id", "kind", "channel", "month")


async def _insert(runtime: ServiceRuntime, collection: str, doc: dict) -> None:
    with contextlib.suppress(DuplicateKeyError):  # counted before
        await runtime.db[collection].insert_one(doc)


def notice_fact(*, notice_id: str, content: NoticeContent, channel: str, created_at: str) -> dict:
    return {"_id": notice_id, "court_id": content.court_id, "kind": content.kind, "channel": channel,
            "month": created_at[:7], "created_at": created_at}


def step_fact(notice: dict, *, step: str, at: str) -> dict:
    """The notice (its fact) seen or served at `at`, with the seconds it took from issue."""
    seconds = max(0.0, (datetime.fromisoformat(at) - datetime.fromisoformat(notice["created_at"])).total_seconds())
    return {"_id": f"{notice['_id']}/{step}", "step": step, "seconds": seconds, **{d: notice[d] for d in DIMENSIONS}}


def step_key(notice_id: str, step: str) -> str:
    """The settled key (common.Settled) of a notice's step counted."""
    return f"{STEPS}:{notice_id}/{step}"


async def count_notice(runtime: ServiceRuntime, *, notice_id: str, content: NoticeContent, channel: str,
                       created_at: str) -> None:
    await _insert(runtime, NOTICES, notice_fact(notice_id=notice_id, content=content, channel=channel,
                                                created_at=created_at))


async def count_step(runtime: ServiceRuntime, *, notice_id: str, step: str, at: str) -> bool:
    """The notice seen or served, with the seconds it took from issue; False if the notice is not counted."""
    notice = await runtime.db[NOTICES].find_one({"_id": notice_id})
    if notice is None:
        return False
    await _insert(runtime, STEPS, step_fact(notice, step=step, at=at))
    return True


async def count_many(runtime: ServiceRuntime, notices: Sequence[dict], steps: Sequence[dict]) -> None:
    """Facts of many notices and their steps (a batch's chunk, before their events are published), one insert
    each; those counted before are left as they are. The steps' consumers here then skip them (common.Settled)."""
    await bulk.insert_new(runtime.db[NOTICES], notices)
    await bulk.insert_new(runtime.db[STEPS], steps)
    settled(runtime).add(step_key(n["_id"].rsplit("/", 1)[0], n["step"]) for n in steps)


async def count_filing(runtime: ServiceRuntime, *, filing_id: str, subject_code: str, court_id: str | None,
                       at: str) -> None:
    await _insert(runtime, FILINGS, {"_id": filing_id, "subject_code": subject_code, "court_id": court_id,
                                     "month": at[:7]})


async def count_fee(runtime: ServiceRuntime, *, key: str, fee_code: str, currency: str, amount: int, at: str) -> None:
    await _insert(runtime, FEES, {"_id": key, "fee_code": fee_code, "currency": currency, "amount": amount,
                                  "payment": 1 if amount > 0 else 0, "month": at[:7]})


async def fee_of_payment(runtime: ServiceRuntime, payment_id: str) -> dict | None:
    return await runtime.db[FEES].find_one({"_id": f"payment-{payment_id}"})


# --- the figures -------------------------------------------------------------------------------------


async def _grouped(runtime: ServiceRuntime, collection: str, keys: tuple[str, ...], sums: dict[str, str]) -> list[dict]:
    pipeline = [{"$group": {"_id": {k: f"${k}" for k in keys}, **{n: {"$sum": v} for n, v in sums.items()}}}]
    return [{**row["_id"], **{n: row[n] for n in sums}}
            async for row in await runtime.db[collection].aggregate(pipeline)]


def _shown(count: int | None, least: int) -> int | None:
    return None if count is None or 0 < count < least else count


def _figures(keys: dict, notices: int, seen: int, served: int, served_seconds: float, least: int) -> NoticeFigures:
    shown = {"notices": _shown(notices, least), "seen": _shown(seen, least), "served": _shown(served, least)}
    if shown["notices"] is None:  # too few notices: nothing about them is shown
        shown = {"notices": None, "seen": None, "served": None}
    rate = round(seen / notices, 4) if shown["notices"] and shown["seen"] is not None else None
    mean = round(served_seconds / served / 86_400, 3) if shown["served"] else None
    return NoticeFigures(**{d: keys.get(d) for d in DIMENSIONS}, **shown, seen_rate=rate, mean_days_to_service=mean)


async def figures(runtime: ServiceRuntime) -> StatisticsRead:
    least = runtime.settings.statistics_min_count
    issued = await _grouped(runtime, NOTICES, DIMENSIONS, {"notices": 1})
    steps = await _grouped(runtime, STEPS, (*DIMENSIONS, "step"), {"count": 1, "seconds": "$seconds"})

    def rows(keys: tuple[str, ...]) -> list[NoticeFigures]:
        table: dict[tuple, dict] = {}
        for row in issued:
            cell = table.setdefault(tuple(row[k] for k in keys), {"notices": 0, "seen": 0, "served": 0, "secs": 0.0})
            cell["notices"] += row["notices"]
        for row in steps:
            cell = table.setdefault(tuple(row[k] for k in keys), {"notices": 0, "seen": 0, "served": 0, "secs": 0.0})
            cell[row["step"]] += row["count"]
            if row["step"] == "served":
                cell["secs"] += row["seconds"]
        return [_figures(dict(zip(keys, key, strict=True)), c["notices"], c["seen"], c["served"], c["secs"], least)
                for key, c in sorted(table.items(), key=lambda item: tuple(str(v) for v in item[0]))]

    filings = await _grouped(runtime, FILINGS, ("subject_code", "court_id"), {"filings": 1})
    fees = await _grouped(runtime, FEES, ("fee_code", "currency"),
                          {"payments": "$payment", "collected": "$amount"})
    return StatisticsRead(
        suppressed_below=least, by_channel=rows(("channel",)), notices=rows(DIMENSIONS),
        filings=[FilingFigures(subject_code=f["subject_code"], court_id=f["court_id"],
                               filings=_shown(f["filings"], least))
                 for f in sorted(filings, key=lambda f: (f["subject_code"], str(f["court_id"])))],
        fees=[FeeFigures(fee_code=f["fee_code"], currency=f["currency"], payments=_shown(f["payments"], least),
                         collected=f["collected"] if _shown(f["payments"], least) else None)
              for f in sorted(fees, key=lambda f: (f["fee_code"], f["currency"]))])
