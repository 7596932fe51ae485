"""E-boxes: one per person (jurisdiction and national ID), opened when they register for e-service.

The stream `ebox-<jurisdiction>-<national id>` holds the opening and then one entry per notice,
so it is also the index through which its owner reads notices. The document
`ebox_accounts/<account id>` leads from an account to its e-box by a point look-up.
"""

import contextlib
from dataclasses import replace

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import SOURCE, iso, now
from ejustice_notification.eboxes.events import EboxOpened, NoticeFiled
from ejustice_notification.eboxes.models import Ebox
from ejustice_shared import codes
from ejustice_shared.commits import Commit
from ejustice_shared.events import AccountRegistered, Envelope
from ejustice_shared.people import Jurisdiction
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

ACCOUNTS = "ebox_accounts"  # _id = account id → the e-box it owns
USER_CODES = "ebox_user_codes"  # _id = user code: a unique insert claims a code for one e-box

log = structlog.get_logger()


def ebox_id_of(jurisdiction: Jurisdiction, national_id: str) -> str:
    return f"{jurisdiction}-{national_id}"


def stream_of(ebox_id: str) -> str:
    return f"ebox-{ebox_id}"


def fold(history: list[Commit]) -> Ebox | None:
    ebox: Ebox | None = None
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case EboxOpened() as opened:
                    ebox = Ebox(ebox_id=opened.ebox_id, jurisdiction=opened.jurisdiction,
                                national_id=opened.national_id, account_id=opened.account_id, mobile=opened.mobile,
                                user_code=opened.user_code, opened_at=envelope.time)
                case NoticeFiled() as filed if ebox and filed.notice_id not in ebox.notice_ids:
                    ebox = replace(ebox, notice_ids=(*ebox.notice_ids, filed.notice_id))
    return ebox


async def claim_user_code(runtime: ServiceRuntime, ebox_id: str) -> str:
    """A fresh 10-digit user code, unique across e-boxes, the last digit a Luhn check digit."""
    return await codes.claim_unique(runtime.db[USER_CODES], lambda: codes.with_luhn(10), ebox_id=ebox_id)


async def open_ebox(runtime: ServiceRuntime, *, cause: Envelope, account: AccountRegistered) -> Ebox:
    """Open the person's e-box once, whatever number of times the registration arrives."""
    ebox_id = ebox_id_of(account.jurisdiction, account.national_id)

    async def decide(history: list[Commit]) -> list[Envelope]:
        if fold(history) is not None:
            return []
        opened = EboxOpened(ebox_id=ebox_id, jurisdiction=account.jurisdiction, national_id=account.national_id,
                            account_id=account.account_id, mobile=account.mobile,
                            user_code=await claim_user_code(runtime, ebox_id), registered_via=account.registered_via)
        return [Envelope.wrap(opened, source=SOURCE, subject=ebox_id)]

    await runtime.commits.execute(stream_of(ebox_id), decide, cause=cause.id, actor={"service": cause.source})
    ebox = fold(await runtime.commits.load(stream_of(ebox_id)))
    if ebox.account_id != account.account_id:
        # Only the account that opened the e-box reads it; a second account for one person is the gateway's to refuse.
        log.warning("e-box already belongs to another account", ebox_id=ebox_id)
        return ebox
    with contextlib.suppress(DuplicateKeyError):  # written by an earlier delivery of this event
        await runtime.db[ACCOUNTS].insert_one({"_id": account.account_id, "ebox_id": ebox_id,
                                               "indexed_at": iso(now())})
    return ebox


async def find(runtime: ServiceRuntime, *, jurisdiction: Jurisdiction, national_id: str) -> Ebox | None:
    return fold(await runtime.commits.load(stream_of(ebox_id_of(jurisdiction, national_id))))


async def held(runtime: ServiceRuntime, ebox_id: str) -> Ebox | None:
    """The e-box as this process last saw it (its owner and mobile; its index may have grown since)."""
    return fold(await runtime.commits.after_write(stream_of(ebox_id)))


async def of_account(runtime: ServiceRuntime, account_id: str) -> Ebox | None:
    index = await runtime.db[ACCOUNTS].find_one({"_id": account_id})
    return fold(await runtime.commits.load(stream_of(index["ebox_id"]))) if index else None


async def mine(runtime: ServiceRuntime, account_id: str) -> Ebox:
    ebox = await of_account(runtime, account_id)
    if ebox is None:
        raise Problem(404, "ebox-not-found", detail="No e-box is open for this account yet.")
    return ebox


async def file_notice(runtime: ServiceRuntime, *, cause: Envelope, ebox: Ebox, notice_id: str, kind: str) -> None:
    """Put the notice in the e-box's index; a redelivered event files nothing twice."""

    def decide(history: list[Commit]) -> list[Envelope]:
        if notice_id in fold(history).notice_ids:
            return []
        return [Envelope.wrap(NoticeFiled(ebox_id=ebox.ebox_id, notice_id=notice_id, kind=kind), source=SOURCE,
                              subject=ebox.ebox_id)]

    # Keyed by the event and the notice: one event may, in principle, file more than one notice in an e-box.
    await runtime.commits.execute(stream_of(ebox.ebox_id), decide, cause=f"{cause.id}/{notice_id}",
                                  actor={"service": cause.source})
