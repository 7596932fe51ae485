"""Who may see a filing and who may change it, answered by the look-up itself.

A grant is a document whose `_id` is "<key>|<filing id>", the key naming who holds it:

- `sub:<account>`: the filer, from the moment the draft is opened. A clerk whose token acts
  on behalf of that account holds the same key, and only it, while acting for them;
- `attorney-nid:<jurisdiction>-<national id>`, `attorney-bar:<jurisdiction>-<bar number>`: a
  lawyer the filer gave power of attorney on the filing, from the grant until its revocation;
- `court:<id>`: the competent court, once the filing is forwarded to it;
- `nid:<jurisdiction>-<national id>`: a party named on the filing, once the court accepted it.
  Never before: a draft, or a filing on its way, is no business of the other side.

Reading a filing starts with a point look-up of the reader's grants, so a filing nobody granted
them is never fetched. Grants are written before the commit that gives the right; a grant left
by a command that then failed grants nothing, because the folded filing is checked again
(`may_read`, `capacity`), and so is a grant whose revocation is committed but not yet withdrawn.
Each key also has an index stream listing its filings, for "my filings".
"""

import contextlib

from pymongo.errors import DuplicateKeyError

from ejustice_filing.access.events import FilingListed, FilingUnlisted
from ejustice_filing.filings.models import FilingRead
from ejustice_filing.representation.models import normalize_bar_number
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

# Who changes a filing, besides the filer: the dossier names them as acting on the filer's behalf.
CLERK_ON_BEHALF, ATTORNEY, FILER = "clerk", "attorney", "filer"


def filer_key(account: str) -> str:
    return f"sub:{account}"


def party_key(jurisdiction: str, national_id: str) -> str:
    return f"nid:{jurisdiction}-{national_id}"


def court_key(court_id: str) -> str:
    return f"court:{court_id}"


def attorney_key(jurisdiction: str, *, national_id: str | None = None, bar_number: str | None = None) -> str:
    if national_id:
        return f"attorney-nid:{jurisdiction}-{national_id}"
    return f"attorney-bar:{jurisdiction}-{bar_number}"


def keys_of(principal: Principal) -> list[str]:
    if principal.has(Role.COURT):
        return [court_key(principal.court_id)] if principal.court_id else []
    if represented := principal.acting_for:
        return [filer_key(represented)]
    keys = [filer_key(principal.subject)]
    if principal.national_id and principal.jurisdiction:
        keys.append(party_key(principal.jurisdiction, principal.national_id))
    if principal.has(Role.LAWYER) and principal.jurisdiction:
        if principal.national_id:
            keys.append(attorney_key(principal.jurisdiction, national_id=principal.national_id))
        if bar_number := normalize_bar_number(principal.bar_number):
            keys.append(attorney_key(principal.jurisdiction, bar_number=bar_number))
    return keys


# --- rules on the folded filing -----------------------------------------------------------------------


def holds_power_of_attorney(filing: FilingRead, principal: Principal) -> bool:
    if not principal.has(Role.LAWYER) or principal.jurisdiction != filing.jurisdiction:
        return False
    bar_number = normalize_bar_number(principal.bar_number)
    return any((a.national_id and a.national_id == principal.national_id)
               or (a.bar_number and a.bar_number == bar_number) for a in filing.attorneys)


def capacity(filing: FilingRead, principal: Principal) -> str | None:
    """How the principal may act as the filer: as the filer, a clerk on their behalf, their attorney; or not."""
    if principal.has(Role.COURT):
        return None
    if represented := principal.acting_for:
        return CLERK_ON_BEHALF if represented == filing.filer_id else None
    if principal.subject == filing.filer_id:
        return FILER
    return ATTORNEY if holds_power_of_attorney(filing, principal) else None


def is_named_party(filing: FilingRead, principal: Principal) -> bool:
    if principal.national_id is None or principal.jurisdiction != filing.jurisdiction:
        return False
    return any(p.national_id == principal.national_id for p in filing.parties)


def may_read(filing: FilingRead, principal: Principal) -> bool:
    if principal.has(Role.COURT):  # a court sees what was forwarded to it, from then on
        return filing.forwarded_at is not None and filing.court.court_id == principal.court_id
    if capacity(filing, principal):
        return True
    if principal.acting_for:
        return False
    return filing.status == "accepted" and is_named_party(filing, principal)


def check_may_change(filing: FilingRead, principal: Principal) -> str:
    """The principal's capacity; 403 for a reader who is not the filer nor acting for them, and for a clerk
    of another office than the one holding the draft."""
    if found := capacity(filing, principal):
        if found == CLERK_ON_BEHALF and not held_by_clerks_office(filing, principal):
            raise Problem(403, "draft-held-by-another-office", errors=[field_error(
                "office_id", "draft-held-by-another-office", office=filing.office_id)])
        return found
    raise Problem(403, "not-the-filer")


def held_by_clerks_office(filing: FilingRead, principal: Principal) -> bool:
    """A draft begun at an office is continued there (or where a handover took it), not at another office.
    Once submitted it is the filer's alone: a clerk of any office may help them correct it."""
    return filing.status != "draft" or filing.office_id is None or filing.office_id == principal.office_id


def check_may_appoint(filing: FilingRead, principal: Principal) -> None:
    """Only the filer (or a clerk on their behalf) gives and takes back power of attorney; an attorney does not."""
    if check_may_change(filing, principal) == ATTORNEY:
        raise Problem(403, "filer-only")


def actor(filing: FilingRead, principal: Principal) -> dict:
    """Who acted, for the dossier: an attorney, like a clerk, acts on the filer's behalf."""
    recorded = principal.as_actor()
    if capacity(filing, principal) == ATTORNEY:
        recorded["on_behalf_of"] = filing.filer_id
    return recorded


# --- grants and indexes -------------------------------------------------------------------------------


# A key's index: the filings it lists, each with when it was first listed (since its last withdrawal).
index = Aggregate("filing-index", stream=lambda key: f"index-{key}", initial={}, source="filing",
                  state_type=dict[str, str], copy=dict, subject=lambda key, state, event: event.filing_id)


@index.evolves(FilingListed)
def _listed(state: dict[str, str], event: FilingListed, fact: Fact) -> dict[str, str]:
    state.setdefault(event.filing_id, fact.committed_at)
    return state


@index.evolves(FilingUnlisted)
def _unlisted(state: dict[str, str], event: FilingUnlisted, fact: Fact) -> dict[str, str]:
    state.pop(event.filing_id, None)
    return state


def enter(state: dict[str, str], event: FilingListed | FilingUnlisted) -> Decision:
    return Decision([event])


async def grant(runtime: ServiceRuntime, *, filing_id: str, keys: list[str], reason: str = "") -> None:
    """Let the keys find the filing. `reason` tells apart listings after a withdrawal (a grant after a revocation)."""
    grants = runtime.db["access"]
    for key in keys:
        with contextlib.suppress(DuplicateKeyError):
            await grants.insert_one({"_id": f"{key}|{filing_id}", "key": key, "filing_id": filing_id})
        await index.execute(runtime.commits, key, enter, FilingListed(filing_id=filing_id),
                            cause=f"listed-{filing_id}" + (f"-{reason}" if reason else ""))


async def withdraw(runtime: ServiceRuntime, *, filing_id: str, key: str, reason: str) -> None:
    """Take a key's grant back, after the commit that revoked it: its index no longer lists the filing."""
    await runtime.db["access"].delete_one({"_id": f"{key}|{filing_id}"})
    await index.execute(runtime.commits, key, enter, FilingUnlisted(filing_id=filing_id),
                        cause=f"unlisted-{filing_id}-{reason}")


def office_key(office_id: str) -> str:
    """The index of the drafts an office holds: it grants nobody anything (no principal has this key)."""
    return f"office:{office_id}"


async def list_at_office(runtime: ServiceRuntime, *, filing_id: str, office_id: str, cause: str) -> None:
    await index.execute(runtime.commits, office_key(office_id), enter, FilingListed(filing_id=filing_id), cause=cause)


async def unlist_at_office(runtime: ServiceRuntime, *, filing_id: str, office_id: str, cause: str) -> None:
    await index.execute(runtime.commits, office_key(office_id), enter, FilingUnlisted(filing_id=filing_id),
                        cause=cause)


async def granted(runtime: ServiceRuntime, principal: Principal, filing_id: str) -> bool:
    grants = runtime.db["access"]
    for key in keys_of(principal):
        if await grants.find_one({"_id": f"{key}|{filing_id}"}, projection={"_id": 1}):
            return True
    return False


async def listed(runtime: ServiceRuntime, principal: Principal) -> list[str]:
    """The filings indexed under the principal's keys and not withdrawn, newest first."""
    seen: dict[str, str] = {}
    for key in keys_of(principal):
        for filing_id, at in (await index.state(runtime.commits, key)).items():
            seen[filing_id] = min(at, seen.get(filing_id, at))
    return sorted(seen, key=seen.get, reverse=True)
