"""A person's account: the stream `account-<jurisdiction>-<national id>`, its log of proofs and sessions.

One account per person and jurisdiction; it keeps the mobiles its holder was proven to own,
and an entry after which every earlier session is revoked (sign out everywhere).
"""

import uuid
from dataclasses import dataclass, field

from ejustice_gateway.identity.events import AccountMobileProven, AccountSignedOutEverywhere
from ejustice_shared.commits import Commit
from ejustice_shared.events import AccountRegistered
from ejustice_shared.runtime import ServiceRuntime


@dataclass
class Account:
    account_id: str | None = None
    mobiles: set[str] = field(default_factory=set)
    # Sessions opened at or before this entry of the account's stream are revoked.
    signed_out_at_seq: int = 0

    @property
    def exists(self) -> bool:
        return self.account_id is not None


def account_id_for(jurisdiction: str, national_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ejustice:account:{jurisdiction}:{national_id}"))


def stream_of(jurisdiction: str, national_id: str) -> str:
    return f"account-{jurisdiction}-{national_id}"


def fold(history: list[Commit]) -> Account:
    account = Account()
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case AccountRegistered() as registered:
                    account.account_id = registered.account_id
                    account.mobiles.add(registered.mobile)
                case AccountMobileProven() as proven:
                    account.mobiles.add(proven.mobile)
                case AccountSignedOutEverywhere():
                    account.signed_out_at_seq = commit.seq
    return account


async def load(runtime: ServiceRuntime, jurisdiction: str, national_id: str) -> Account:
    return fold(await runtime.commits.load(stream_of(jurisdiction, national_id)))
