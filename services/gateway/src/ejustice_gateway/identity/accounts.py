"""A person's account: the stream `account-<jurisdiction>-<national id>`, its log of proofs and sessions.

One account per person and jurisdiction; it keeps the mobiles its holder was proven to own,
and an entry after which every earlier session is revoked (sign out everywhere).
"""

import uuid
from dataclasses import dataclass, replace

from ejustice_gateway.identity.events import AccountMobileProven, AccountSignedOutEverywhere
from ejustice_shared.aggregate import Aggregate, Fact
from ejustice_shared.events import AccountRegistered
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "gateway"


@dataclass(frozen=True)
class Account:
    account_id: str | None = None
    mobiles: tuple[str, ...] = ()
    # Sessions opened at or before this entry of the account's stream are revoked.
    signed_out_at_seq: int = 0

    @property
    def exists(self) -> bool:
        return self.account_id is not None


def account_id_for(jurisdiction: str, national_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ejustice:account:{jurisdiction}:{national_id}"))


def key_of(jurisdiction: str, national_id: str) -> str:
    return f"{jurisdiction}-{national_id}"


def stream_of(jurisdiction: str, national_id: str) -> str:
    return f"account-{key_of(jurisdiction, national_id)}"


aggregate = Aggregate("account", stream=lambda key: f"account-{key}", initial=Account(), source=SOURCE,
                      state_type=Account, subject=lambda key, state, event: event.account_id)


def _with_mobile(account: Account, mobile: str) -> tuple[str, ...]:
    return account.mobiles if mobile in account.mobiles else (*account.mobiles, mobile)


@aggregate.evolves(AccountRegistered)
def _registered(state: Account, registered: AccountRegistered, fact: Fact) -> Account:
    return replace(state, account_id=registered.account_id, mobiles=_with_mobile(state, registered.mobile))


@aggregate.evolves(AccountMobileProven)
def _proven(state: Account, proven: AccountMobileProven, fact: Fact) -> Account:
    return replace(state, mobiles=_with_mobile(state, proven.mobile))


@aggregate.evolves(AccountSignedOutEverywhere)
def _signed_out(state: Account, event: AccountSignedOutEverywhere, fact: Fact) -> Account:
    return replace(state, signed_out_at_seq=fact.seq)


async def load(runtime: ServiceRuntime, jurisdiction: str, national_id: str) -> Account:
    return await aggregate.state(runtime.commits, key_of(jurisdiction, national_id))
