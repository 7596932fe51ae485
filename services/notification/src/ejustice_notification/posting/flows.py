"""A court's notice published on the bus, on its own key `by-court.<court id>.notice.posted`.

The broker lets each court's account publish only on its own key, and the bus hands over the key
a message travelled on; so the court named in the notice must be the key's. A notice that cannot
be taken is answered on the court's key with the reasons.
"""

import structlog

from ejustice_notification.common import SOURCE
from ejustice_notification.posting import service
from ejustice_shared.commits import Commit
from ejustice_shared.events import CourtNoticePosted, CourtNoticeRejected, Envelope
from ejustice_shared.problems import Problem, localized
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def on_court_notice_posted(runtime: ServiceRuntime, envelope: Envelope, event: CourtNoticePosted) -> None:
    actor = {"subject": f"court-{event.court_id}", "roles": ["court"], "court_id": event.court_id, "via": "bus"}
    if envelope.routing_key != event.routing_key():  # not the key this court may publish on: not this court
        log.warning("court notice on another court's key", court_id=event.court_id, key=envelope.routing_key)
        return
    try:
        commit = await service.take(runtime, court_id=event.court_id, notice=event.notice, actor=actor)
    except Problem as problem:
        if problem.status >= 500:
            raise
        errors = problem.errors or [{"field": "notice.filing_id", "code": problem.kind,
                                     "reason": problem.detail or problem.kind}]
        await _reject(runtime, envelope, event, errors)
        return
    await service.serve(runtime, commit)


async def _reject(runtime: ServiceRuntime, envelope: Envelope, event: CourtNoticePosted, errors: list[dict]) -> None:
    plain = [{"field": e["field"], "code": e["code"], "reason": e["reason"]} for e in localized(errors, "en")]
    rejected = CourtNoticeRejected(court_id=event.court_id, reference=event.notice.reference, errors=plain)
    log.info("court notice rejected", court_id=event.court_id, reference=event.notice.reference)

    def decide(history: list[Commit]) -> list[Envelope]:
        return [Envelope.wrap(rejected, source=SOURCE, subject=event.notice.reference)]

    await runtime.commits.execute(f"rejection-{envelope.id}", decide, cause=envelope.id, actor={"service": SOURCE})
