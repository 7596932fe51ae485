"""Who may see a filing, answered by the look-up itself.

A grant is a document whose `_id` is "<key>|<filing id>", the key naming a person
(`sub:<account>`, `nid:<jurisdiction>-<national id>`) or a court (`court:<id>`). Reading a
filing starts with a point look-up of the reader's grants, so a filing nobody granted is
never fetched. Grants are written before the commit that makes someone a party; a grant
left by a command that then failed grants nothing, because the folded filing is checked
again. Each key also has an index stream listing its filings, for "my filings".
"""

import contextlib

from pymongo.errors import DuplicateKeyError

from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import Envelope, EventData
from ejustice_shared.runtime import ServiceRuntime


class FilingListed(EventData):
    """An entry of a person's or court's index of filings (kept inside the filing service)."""

    type = "filing.listed"
    published = False

    filing_id: str


def party_key(jurisdiction: str, national_id: str) -> str:
    return f"nid:{jurisdiction}-{national_id}"


def court_key(court_id: str) -> str:
    return f"court:{court_id}"


def keys_of(principal: Principal) -> list[str]:
    if principal.has(Role.COURT):
        return [court_key(principal.court_id)] if principal.court_id else []
    keys = [f"sub:{principal.subject}"]
    if principal.national_id and principal.jurisdiction:
        keys.append(party_key(principal.jurisdiction, principal.national_id))
    if principal.on_behalf_of:
        keys.append(f"sub:{principal.on_behalf_of}")
    return keys


async def grant(runtime: ServiceRuntime, *, filing_id: str, keys: list[str]) -> None:
    grants = runtime.db["access"]
    for key in keys:
        with contextlib.suppress(DuplicateKeyError):
            await grants.insert_one({"_id": f"{key}|{filing_id}", "key": key, "filing_id": filing_id})
        await runtime.commits.execute(
            f"index-{key}", lambda history: [Envelope.wrap(FilingListed(filing_id=filing_id), source="filing",
                                                           subject=filing_id)],
            cause=f"listed-{filing_id}")


async def granted(runtime: ServiceRuntime, principal: Principal, filing_id: str) -> bool:
    grants = runtime.db["access"]
    for key in keys_of(principal):
        if await grants.find_one({"_id": f"{key}|{filing_id}"}, projection={"_id": 1}):
            return True
    return False


async def listed(runtime: ServiceRuntime, principal: Principal) -> list[str]:
    """The filings indexed under the principal's keys, newest first."""
    seen: dict[str, str] = {}
    for key in keys_of(principal):
        for commit in await runtime.commits.load(f"index-{key}"):
            seen.setdefault(commit.events[0].data["filing_id"], commit.committed_at)
    return sorted(seen, key=seen.get, reverse=True)
