"""The e-box owner's email, the second alert channel: the stream `contact-<e-box id>`, the last address wins."""

import re

from ejustice_notification.common import SOURCE
from ejustice_notification.contacts.events import EmailSet
from ejustice_notification.contacts.models import ContactRead, EmailUpdate
from ejustice_notification.eboxes import service as eboxes
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.people import normalize_text
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def stream_of(ebox_id: str) -> str:
    return f"contact-{ebox_id}"


aggregate = Aggregate("contact", stream=stream_of, initial=None, source=SOURCE, state_type=str | None)


@aggregate.evolves(EmailSet)
def _email_set(state: str | None, event: EmailSet, fact: Fact) -> str:
    return event.email


def set_address(state: str | None, event: EmailSet) -> Decision:
    """The new address, unless it is the one already given."""
    return Decision([] if state == event.email else [event])


async def email_of(runtime: ServiceRuntime, ebox_id: str) -> str | None:
    return await aggregate.state(runtime.commits, ebox_id)


async def set_email(runtime: ServiceRuntime, *, principal: Principal, update: EmailUpdate) -> ContactRead:
    ebox = await eboxes.mine(runtime, principal.subject)
    email = normalize_text(update.email).strip()
    if not EMAIL.match(email):
        raise Problem(422, "validation", errors=[field_error("email", "not-an-email")])

    await aggregate.execute(runtime.commits, ebox.ebox_id, set_address, EmailSet(ebox_id=ebox.ebox_id, email=email),
                            actor=principal.as_actor())
    return ContactRead(ebox_id=ebox.ebox_id, email=email)


async def mine(runtime: ServiceRuntime, *, principal: Principal) -> ContactRead:
    ebox = await eboxes.mine(runtime, principal.subject)
    return ContactRead(ebox_id=ebox.ebox_id, email=await email_of(runtime, ebox.ebox_id))
