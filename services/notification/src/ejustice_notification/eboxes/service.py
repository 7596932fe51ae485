"""E-boxes: one per person (jurisdiction and national ID), opened when they register for e-service.

The stream `ebox-<jurisdiction>-<national id>` holds the opening and then one entry per notice,
so it is also the index through which its owner reads notices. The document
`ebox_accounts/<account id>` leads from an account to its e-box by a point look-up.
"""

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import SOURCE, iso, now
from ejustice_notification.eboxes.events import EboxOpened, NoticeFiled
from ejustice_notification.eboxes.models import Ebox
from ejustice_shared import bulk, codes
from ejustice_shared.aggregate import Aggregate, Decision, Fact
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


aggregate = Aggregate("ebox", stream=stream_of, initial=None, source=SOURCE, state_type=Ebox | None)


@aggregate.evolves(EboxOpened)
def _opened(state: Ebox | None, opened: EboxOpened, fact: Fact) -> Ebox:
    return Ebox(ebox_id=opened.ebox_id, jurisdiction=opened.jurisdiction, national_id=opened.national_id,
                account_id=opened.account_id, mobile=opened.mobile, user_code=opened.user_code,
                opened_at=fact.time)


@aggregate.evolves(NoticeFiled)
def _filed(state: Ebox | None, filed: NoticeFiled, fact: Fact) -> Ebox | None:
    if state is None or filed.notice_id in state.notice_ids:
        return state
    return replace(state, notice_ids=(*state.notice_ids, filed.notice_id))


async def claim_user_code(runtime: ServiceRuntime, ebox_id: str) -> str:
    """A fresh 10-digit user code, unique across e-boxes, the last digit a Luhn check digit."""
    return await codes.claim_unique(runtime.db[USER_CODES], lambda: codes.with_luhn(10), ebox_id=ebox_id)


def open_once(state: Ebox | None, opened: EboxOpened) -> Decision:
    return Decision([] if state is not None else [opened])


async def open_ebox(runtime: ServiceRuntime, *, cause: Envelope, account: AccountRegistered) -> Ebox:
    """Open the person's e-box once, whatever number of times the registration arrives."""
    ebox_id = ebox_id_of(account.jurisdiction, account.national_id)
    found = await aggregate.state(runtime.commits, ebox_id)
    if found is None:
        # Claimed before the decision, once per delivery; a code left unused by a lost race is never shown.
        opened = EboxOpened(ebox_id=ebox_id, jurisdiction=account.jurisdiction, national_id=account.national_id,
                            account_id=account.account_id, mobile=account.mobile,
                            user_code=await claim_user_code(runtime, ebox_id), registered_via=account.registered_via)
        found = (await aggregate.execute(runtime.commits, ebox_id, open_once, opened, cause=cause.id,
                                    actor={"service": cause.source})).state
    if found.account_id != account.account_id:
        # Only the account that opened the e-box reads it; a second account for one person is the gateway's to refuse.
        log.warning("e-box already belongs to another account", ebox_id=ebox_id)
        return found
    with contextlib.suppress(DuplicateKeyError):  # written by an earlier delivery of this event
        await runtime.db[ACCOUNTS].insert_one({"_id": account.account_id, "ebox_id": ebox_id,
                                               "indexed_at": iso(now())})
    return found


async def find(runtime: ServiceRuntime, *, jurisdiction: Jurisdiction, national_id: str) -> Ebox | None:
    return await aggregate.state(runtime.commits, ebox_id_of(jurisdiction, national_id))


async def held(runtime: ServiceRuntime, ebox_id: str) -> Ebox | None:
    """The e-box as this process last saw it (its owner and mobile; its index may have grown since)."""
    return (await aggregate.load(runtime.commits, ebox_id, fresh=False)).state


async def held_many(runtime: ServiceRuntime, ebox_ids: Iterable[str]) -> dict[str, Ebox | None]:
    """`held` for many e-boxes: those this process does not hold are read with one look-up."""
    loaded = await bulk.load_many(aggregate, runtime.commits, ebox_ids, fresh=False)
    return {ebox_id: found.state for ebox_id, found in loaded.items()}


async def of_account(runtime: ServiceRuntime, account_id: str) -> Ebox | None:
    index = await runtime.db[ACCOUNTS].find_one({"_id": account_id})
    return await aggregate.state(runtime.commits, index["ebox_id"]) if index else None


async def mine(runtime: ServiceRuntime, account_id: str) -> Ebox:
    ebox = await of_account(runtime, account_id)
    if ebox is None:
        raise Problem(404, "ebox-not-found", detail="No e-box is open for this account yet.")
    return ebox


def file(state: Ebox | None, filed: NoticeFiled) -> Decision:
    return Decision([] if filed.notice_id in state.notice_ids else [filed])


async def file_notice(runtime: ServiceRuntime, *, cause: Envelope, ebox: Ebox, notice_id: str, kind: str) -> None:
    """Put the notice in the e-box's index; a redelivered event files nothing twice."""
    # Keyed by the event and the notice: one event may, in principle, file more than one notice in an e-box.
    await aggregate.execute(runtime.commits, ebox.ebox_id, file,
                         NoticeFiled(ebox_id=ebox.ebox_id, notice_id=notice_id, kind=kind),
                         cause=f"{cause.id}/{notice_id}", actor={"service": cause.source})


async def file_many(runtime: ServiceRuntime, entries: Sequence[tuple[Envelope, Ebox, str, str]]) -> None:
    """`file_notice` for many (cause, e-box, notice id, kind) at once: one commit each, inserted together."""
    commands = [bulk.Command(ebox.ebox_id, NoticeFiled(ebox_id=ebox.ebox_id, notice_id=notice_id, kind=kind),
                             cause=f"{cause.id}/{notice_id}", actor={"service": cause.source})
                for cause, ebox, notice_id, kind in entries]
    for outcome in await bulk.execute_many(aggregate, runtime.commits, file, commands):
        if isinstance(outcome, Exception):
            raise outcome
