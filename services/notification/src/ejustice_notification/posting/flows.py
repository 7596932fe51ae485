"""A court's notice published on the bus, on its own key `by-court.<court id>.notice.posted`.

The broker lets each court's account publish only on its own key, and the bus hands over the key
a message travelled on; so the court named in the notice must be the key's. A notice that cannot
be taken is answered on the court's key with the reasons.
"""

import structlog

from ejustice_notification.common import SOURCE
from ejustice_notification.posting import service
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import CourtNoticePosted, CourtNoticeRejected, Envelope
from ejustice_shared.problems import Problem, localized
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

# The answer to one bus message that could not be taken: the stream `rejection-<message id>`.
rejections = Aggregate("rejection", stream=lambda message_id: f"rejection-{message_id}", initial=None, source=SOURCE,
                       state_type=CourtNoticeRejected | None,
                       subject=lambda key, state, event: event.reference)


@rejections.evolves(CourtNoticeRejected)
def _rejected(state: CourtNoticeRejected | None, rejected: CourtNoticeRejected, fact: Fact) -> CourtNoticeRejected:
    return state or rejected


def reject_once(state: CourtNoticeRejected | None, rejected: CourtNoticeRejected) -> Decision:
    return Decision([] if state is not None else [rejected])


async def on_court_notice_posted(runtime: ServiceRuntime, envelope: Envelope, event: CourtNoticePosted) -> None:
    actor = {"subject": f"court-{event.court_id}", "roles": ["court"], "court_id": event.court_id, "via": "bus"}
    if envelope.routing_key != event.routing_key():  # not the key this court may publish on: not this court
        log.warning("court notice on another court's key", court_id=event.court_id, key=envelope.routing_key)
        return
    try:
        posting = await service.take(runtime, court_id=event.court_id, notice=event.notice, actor=actor)
    except Problem as problem:
        if problem.status >= 500:
            raise
        errors = problem.errors or [{"field": "notice.filing_id", "code": problem.kind,
                                     "reason": problem.detail or problem.kind}]
        await _reject(runtime, envelope, event, errors)
        return
    await service.serve(runtime, posting)


async def _reject(runtime: ServiceRuntime, envelope: Envelope, event: CourtNoticePosted, errors: list[dict]) -> None:
    plain = [{"field": e["field"], "code": e["code"], "reason": e["reason"]} for e in localized(errors, "en")]
    rejected = CourtNoticeRejected(court_id=event.court_id, reference=event.notice.reference, errors=plain)
    log.info("court notice rejected", court_id=event.court_id, reference=event.notice.reference)
    await rejections.execute(runtime.commits, envelope.id, reject_once, rejected, cause=envelope.id,
                             actor={"service": SOURCE})
