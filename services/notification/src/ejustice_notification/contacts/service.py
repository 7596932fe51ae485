"""The e-box owner's email, the second alert channel: the stream `contact-<e-box id>`, the last address wins."""

import re

from ejustice_notification.common import SOURCE
from ejustice_notification.contacts.events import EmailSet
from ejustice_notification.contacts.models import ContactRead, EmailUpdate
from ejustice_notification.eboxes import service as eboxes
from ejustice_shared.auth import Principal
from ejustice_shared.commits import Commit
from ejustice_shared.events import Envelope
from ejustice_shared.people import normalize_text
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def stream_of(ebox_id: str) -> str:
    return f"contact-{ebox_id}"


def fold(history: list[Commit]) -> str | None:
    email = None
    for commit in history:
        for envelope in commit.events:
            if envelope.type == EmailSet.type:
                email = envelope.data["email"]
    return email


async def email_of(runtime: ServiceRuntime, ebox_id: str) -> str | None:
    return fold(await runtime.commits.load(stream_of(ebox_id)))


async def set_email(runtime: ServiceRuntime, *, principal: Principal, update: EmailUpdate) -> ContactRead:
    ebox = await eboxes.mine(runtime, principal.subject)
    email = normalize_text(update.email).strip()
    if not EMAIL.match(email):
        raise Problem(422, "validation", errors=[field_error("email", "not-an-email")])

    def decide(history: list[Commit]) -> list[Envelope]:
        if fold(history) == email:
            return []
        return [Envelope.wrap(EmailSet(ebox_id=ebox.ebox_id, email=email), source=SOURCE, subject=ebox.ebox_id)]

    await runtime.commits.execute(stream_of(ebox.ebox_id), decide, actor=principal.as_actor())
    return ContactRead(ebox_id=ebox.ebox_id, email=email)


async def mine(runtime: ServiceRuntime, *, principal: Principal) -> ContactRead:
    ebox = await eboxes.mine(runtime, principal.subject)
    return ContactRead(ebox_id=ebox.ebox_id, email=await email_of(runtime, ebox.ebox_id))
