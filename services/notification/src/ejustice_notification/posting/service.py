"""Courts post notices on their own cases: a summons, a hearing moved or cancelled, an order, a judgment.

A posted notice is the stream `posting-<id>`, its id following from the court and the court's own
reference, so posting it again (or a redelivered bus message) changes nothing. Its one commit
records the notice, its documents (stored by SHA-256) and the plan: for each addressee the e-box
notice or the paper-service task it becomes, with ids derived from the posting. Serving follows
the plan and is idempotent step by step, so it can simply run again after a crash.
"""

import asyncio
import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ejustice_notification.alerting import service as alerting
from ejustice_notification.cases import service as cases
from ejustice_notification.common import SOURCE
from ejustice_notification.deadlines import service as deadlines
from ejustice_notification.eboxes import service as eboxes
from ejustice_notification.eboxes.models import Ebox
from ejustice_notification.notices import service as notices
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.paper import service as paper
from ejustice_notification.posting.events import Addressee, CourtNoticeTaken
from ejustice_notification.posting.models import AddresseeRead, CourtNoticeRead, Lifecycle
from ejustice_shared import bulk
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.blobs import ChunkedBlobStore
from ejustice_shared.events import (
    CourtNotice,
    CourtNoticeAddressee,
    CourtNoticeRecorded,
    Envelope,
    NoticeDocument,
    Party,
)
from ejustice_shared.events.catalog import MAX_NOTICE_DOCUMENT_BYTES
from ejustice_shared.people import only_digits
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

POSTING_IDS = uuid.UUID("2c7d51f4-8a0e-4f3b-9e16-71d0c5a8b9e2")  # namespace of the deterministic posting ids
HEARING_KINDS = {"summons", "hearing-rescheduled"}
DEADLINE_KINDS = {"documents-ordered", "appeal-window"}
TEXT_KINDS = {"documents-ordered", "interim-order"}


def posting_id_for(court_id: str, reference: str) -> str:
    return uuid.uuid5(POSTING_IDS, f"{court_id}/{reference}").hex


def stream_of(posting_id: str) -> str:
    return f"posting-{posting_id}"


@dataclass(frozen=True)
class Posting:
    """A court's notice as taken: what it says and whom it goes to, and when it was taken."""

    taken: CourtNoticeTaken
    taken_at: str

    @property
    def cause(self) -> Envelope:
        """What its notices and paper tasks are caused by: the taken entry, its id the posting id, which they are
        named after."""
        taken = self.taken
        return Envelope(id=taken.posting_id, type=taken.type, version=taken.version, source=SOURCE,
                        time=self.taken_at, subject=taken.posting_id, correlation_id=taken.posting_id,
                        routing_key=taken.routing_key(), data=taken.model_dump(mode="json"))


aggregate = Aggregate("posting", stream=stream_of, initial=None, source=SOURCE, state_type=Posting | None)


@aggregate.evolves(CourtNoticeTaken)
def _taken(state: Posting | None, taken: CourtNoticeTaken, fact: Fact) -> Posting:
    return state or Posting(taken, fact.committed_at)


def blobs(runtime: ServiceRuntime) -> ChunkedBlobStore:
    return ChunkedBlobStore(runtime.db, prefix="notice_blobs")


# --- what a court may post ---------------------------------------------------------------------------


def check(notice: CourtNotice, case: dict) -> tuple[list[bytes], list[dict]]:
    """The documents' bytes, and every problem with the notice as posted, found at once."""
    errors = []
    kind, hearing = notice.kind, notice.hearing
    if kind in HEARING_KINDS and hearing is None:
        errors.append(field_error("hearing", "hearing-required", kind=kind))
    elif kind not in HEARING_KINDS and hearing is not None:
        errors.append(field_error("hearing", "hearing-not-allowed", kind=kind))
    elif hearing is not None:
        try:
            if datetime.fromisoformat(hearing.at).tzinfo is None:
                raise ValueError("no offset")
        except ValueError:
            errors.append(field_error("hearing.at", "not-a-time"))
        if not (hearing.branch_id and hearing.room) and not hearing.video_url:
            errors.append(field_error("hearing", "hearing-place-required"))
        if hearing.video_url and not hearing.video_url.startswith("https://"):
            errors.append(field_error("hearing.video_url", "not-a-video-link"))
    if kind in DEADLINE_KINDS and notice.deadline_days is None:
        errors.append(field_error("deadline_days", "deadline-required", kind=kind))
    if kind in TEXT_KINDS and not notice.text:
        errors.append(field_error("text", "text-required", kind=kind))
    if kind == "judgment" and not notice.documents:
        errors.append(field_error("documents", "notice-document-required"))
    parties = {party["national_id"] for party in case["parties"]}
    errors += [field_error(f"addressees.{n}", "not-a-party", national_id=national_id)
               for n, national_id in enumerate(notice.addressees) if only_digits(national_id) not in parties]
    contents = []
    for n, document in enumerate(notice.documents):
        try:
            data = base64.b64decode(document.content_base64, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if len(data) > MAX_NOTICE_DOCUMENT_BYTES:
            errors.append(field_error(f"documents.{n}.content_base64", "document-too-large",
                                      limit=MAX_NOTICE_DOCUMENT_BYTES))
        elif not data.startswith(b"%PDF-"):
            errors.append(field_error(f"documents.{n}.content_base64", "not-a-pdf"))
        contents.append(data)
    return contents, errors


def content_of(taken: CourtNoticeTaken) -> NoticeContent:
    """What the notice says, in fa, vi and en, from the templates of its kind."""
    notice, hearing = taken.notice, taken.notice.hearing
    texts = notices.texts()
    parts: dict[str, dict[str, str]] = {"title": {}, "body": {}}
    for lang in ("fa", "vi", "en"):
        place = ""
        if hearing is not None:
            places = []
            if hearing.branch_id and hearing.room:
                places.append(texts["place-room"][lang].format(branch_id=hearing.branch_id, room=hearing.room))
            if hearing.video_url:
                places.append(texts["place-video"][lang].format(video_url=hearing.video_url))
            place = "; ".join(places)
        params = {"case_number": taken.case_number, "court_id": taken.court_id, "place": place,
                  "hearing_at": hearing.at if hearing else "", "deadline_days": notice.deadline_days or "",
                  "text": notice.text or ""}
        for part in parts:
            parts[part][lang] = texts[notice.kind][part][lang].format(**params).strip()
        if notice.deadline_days and notice.kind not in DEADLINE_KINDS:  # a summons may set one, say for a defence
            parts["body"][lang] += " " + texts["deadline-note"][lang].format(**params)
    return NoticeContent(kind=notice.kind, jurisdiction=taken.jurisdiction, filing_id=notice.filing_id,
                         court_id=taken.court_id, tracking_code=taken.tracking_code, case_number=taken.case_number,
                         title=parts["title"], body=parts["body"], reference=notice.reference, hearing=hearing,
                         deadline_days=notice.deadline_days, documents=tuple(taken.documents))


# --- taking and serving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Take:
    posting_id: str
    court_id: str
    notice: CourtNotice
    documents: tuple[NoticeDocument, ...]
    case: dict
    plan: tuple[Addressee, ...]
    # A notice posted alone is answered on the court's key; a batch's lines are answered by the batch (its
    # progress and `notice_batch.completed`), so that 100,000 lines do not flood the court's bounded queue.
    answered: bool = True


def take_once(state: Posting | None, command: Take) -> Decision:
    """The notice as taken (without its documents' bytes, stored by hash before) and its answer to the court, once."""
    if state is not None:
        return Decision([])
    notice, case, plan = command.notice, command.case, command.plan
    taken = CourtNoticeTaken(posting_id=command.posting_id, court_id=command.court_id,
                             notice=notice.model_copy(update={"documents": []}), documents=list(command.documents),
                             case_number=case["case_number"], tracking_code=case["tracking_code"],
                             jurisdiction=case["jurisdiction"], addressees=list(plan))
    recorded = CourtNoticeRecorded(court_id=command.court_id, reference=notice.reference, filing_id=notice.filing_id,
                                   kind=notice.kind, addressees=[
                                       CourtNoticeAddressee(national_id=a.party.national_id, channel=a.channel,
                                                            notice_id=a.notice_id) for a in plan])
    return Decision([taken, recorded] if command.answered else [taken])


def _addressed(notice: CourtNotice, case: dict) -> list[Party]:
    """The parties the notice goes to: those named, or all the case's."""
    wanted = {only_digits(national_id) for national_id in notice.addressees}
    return [Party(**p) for p in {p["national_id"]: p for p in case["parties"]
                                 if not wanted or p["national_id"] in wanted}.values()]


def _plan(posting_id: str, jurisdiction: str, parties: list[Party], held: dict[str, Ebox | None]) -> list[Addressee]:
    """For each party the e-box notice (if they have an e-box; `held` by e-box id) or the paper task."""
    plan = []
    for party in parties:
        ebox = held.get(eboxes.ebox_id_of(jurisdiction, party.national_id))
        if ebox is not None:
            plan.append(Addressee(party=party, channel="ebox", ebox_id=ebox.ebox_id,
                                  notice_id=notices.notice_id_for(posting_id, ebox.ebox_id)))
        else:
            plan.append(Addressee(party=party, channel="paper",
                                  notice_id=paper.task_id_for(posting_id, jurisdiction, party.national_id)))
    return plan


async def _stored_documents(runtime: ServiceRuntime, notice: CourtNotice,
                            contents: list[bytes]) -> list[NoticeDocument]:
    store = blobs(runtime)
    return [NoticeDocument(filename=document.filename, media_type=document.media_type, size=len(data),
                           sha256=await store.put(data))
            for document, data in zip(notice.documents, contents, strict=True)]


async def take(runtime: ServiceRuntime, *, court_id: str, notice: CourtNotice, actor: dict,
               case: dict | None = None) -> Posting:
    """Record the court's notice once and plan its service; the posting (the earlier one if any)."""
    posting_id = posting_id_for(court_id, notice.reference)
    if case is None and (earlier := await aggregate.state(runtime.commits, posting_id)) is not None:
        return earlier
    case = case or await cases.of_court(runtime, court_id=court_id, filing_id=notice.filing_id)
    if case is None:
        raise Problem(404, "case-not-found", detail="This court has accepted no filing with this id.")
    contents, errors = check(notice, case)
    if errors:
        raise Problem(422, "validation", errors=errors)
    documents = await _stored_documents(runtime, notice, contents)
    jurisdiction, parties = case["jurisdiction"], _addressed(notice, case)
    held = {ebox_id: await eboxes.held(runtime, ebox_id)
            for ebox_id in (eboxes.ebox_id_of(jurisdiction, party.national_id) for party in parties)}
    command = Take(posting_id, court_id, notice, tuple(documents), case,
                   tuple(_plan(posting_id, jurisdiction, parties, held)))
    return (await aggregate.execute(runtime.commits, posting_id, take_once, command, cause=posting_id,
                                    actor=actor)).state


async def take_many(runtime: ServiceRuntime, *, court_id: str, notices_and_cases: Sequence[tuple[CourtNotice, dict]],
                    actor: dict) -> list[Posting | Problem]:
    """`take` for a batch's lines on known cases (a chunk): the e-boxes read and the postings' commits inserted
    together, unanswered (the batch answers). A posting made before (a line served again after a crash) is
    found by its insert. Each notice's posting, or the problem with it."""
    results: list[Posting | Problem | None] = [None] * len(notices_and_cases)
    checked = []
    for n, (notice, case) in enumerate(notices_and_cases):
        contents, errors = check(notice, case)
        if errors:
            results[n] = Problem(422, "validation", errors=errors)
        else:
            checked.append((n, notice, case, contents, _addressed(notice, case)))
    held = await eboxes.held_many(runtime, [eboxes.ebox_id_of(case["jurisdiction"], party.national_id)
                                            for _, _, case, _, parties in checked for party in parties])
    commands = []
    for _, notice, case, contents, parties in checked:
        posting_id = posting_id_for(court_id, notice.reference)
        documents = await _stored_documents(runtime, notice, contents) if contents else []
        plan = _plan(posting_id, case["jurisdiction"], parties, held)
        commands.append(bulk.Command(posting_id, Take(posting_id, court_id, notice, tuple(documents), case,
                                                      tuple(plan), answered=False), cause=posting_id, actor=actor))
    outcomes = await bulk.execute_many(aggregate, runtime.commits, take_once, commands)
    for (n, *_), outcome in zip(checked, outcomes, strict=True):
        if isinstance(outcome, Exception):
            raise outcome
        results[n] = outcome.state
    return results


async def serve(runtime: ServiceRuntime, posting: Posting) -> None:
    """Each addressee's notice into their e-box (its alert queued) or their paper task opened; idempotent."""
    taken, cause = posting.taken, posting.cause
    content = content_of(taken)
    for addressee in taken.addressees:
        if addressee.channel == "ebox":
            # Who the e-box belongs to and where alerts go never change: the copy this process holds will do.
            ebox = await eboxes.held(runtime, addressee.ebox_id)
            await notices.deliver(runtime, cause=cause, ebox=ebox, content=content, alert=False)
            await alerting.queue_notice(runtime, notice_id=addressee.notice_id, ebox=ebox, content=content)
        else:
            await paper.open_task(runtime, cause=cause, party=addressee.party, content=content)


async def serve_many(runtime: ServiceRuntime, postings: Sequence[Posting], *, parallel: int) -> None:
    """`serve` for many postings (a batch's chunk): the e-box notices deposited together and their alerts
    queued in one insert, then the paper tasks opened, `parallel` at a time. Idempotent like `serve`."""
    to_ebox, to_paper = [], []
    for posting in postings:
        content = content_of(posting.taken)
        for addressee in posting.taken.addressees:
            (to_ebox if addressee.channel == "ebox" else to_paper).append((posting.cause, addressee, content))
    # Who the e-box belongs to and where alerts go never change: the copy this process holds will do.
    held = await eboxes.held_many(runtime, [addressee.ebox_id for _, addressee, _ in to_ebox])
    deliveries = [(cause, held[addressee.ebox_id], content) for cause, addressee, content in to_ebox]
    await notices.deliver_many(runtime, deliveries)
    await alerting.queue_notices(runtime, [(addressee.notice_id, held[addressee.ebox_id], content)
                                           for _, addressee, content in to_ebox])
    slots = asyncio.Semaphore(parallel)

    async def open_task(cause: Envelope, party: Party, content: NoticeContent) -> None:
        async with slots:
            await paper.open_task(runtime, cause=cause, party=party, content=content)

    await asyncio.gather(*(open_task(cause, addressee.party, content) for cause, addressee, content in to_paper))


async def post(runtime: ServiceRuntime, *, court_id: str, notice: CourtNotice, actor: dict) -> CourtNoticeRead:
    await serve(runtime, await take(runtime, court_id=court_id, notice=notice, actor=actor))
    return await read(runtime, court_id=court_id, reference=notice.reference)


# --- what the court sees -----------------------------------------------------------------------------


async def read(runtime: ServiceRuntime, *, court_id: str, reference: str) -> CourtNoticeRead:
    """The court's own notice with each addressee's lifecycle; another court's is not found."""
    posting = await aggregate.state(runtime.commits, posting_id_for(court_id, reference))
    if posting is None:
        raise Problem(404, "court-notice-not-found", detail="This court posted no notice with this reference.")
    taken = posting.taken
    addressees = []
    for addressee in taken.addressees:
        lifecycle = Lifecycle(created_at=posting.taken_at)
        if addressee.channel == "ebox" and (notice := await notices.load(runtime, addressee.notice_id)):
            lifecycle.deposited_at, lifecycle.viewed_at = notice.deposited.delivered_at, notice.viewed_at
            lifecycle.served_at = notice.served_at
            if notice.alerted is not None:
                lifecycle.alerted_at, lifecycle.alert_channel = notice.alerted.alerted_at, notice.alerted.channel
            if notice.alert_failed is not None:
                lifecycle.alert_failed_at = notice.alert_failed.failed_at
        elif addressee.channel == "paper" and (task := await paper.load(runtime, addressee.notice_id)):
            lifecycle.paper_opened_at, lifecycle.paper_outcome = task.opened_at, task.outcome
            lifecycle.served_at = task.served_at
        if deadline := await deadlines.load(runtime, addressee.notice_id):
            lifecycle.deadline_ends_at = deadline.ends_at
        addressees.append(AddresseeRead(national_id=addressee.party.national_id, name=addressee.party.name,
                                        channel=addressee.channel, notice_id=addressee.notice_id,
                                        lifecycle=lifecycle))
    return CourtNoticeRead(posting_id=taken.posting_id, reference=taken.notice.reference, court_id=taken.court_id,
                           kind=taken.notice.kind, filing_id=taken.notice.filing_id, case_number=taken.case_number,
                           documents=taken.documents, addressees=addressees)


async def document(runtime: ServiceRuntime, *, principal, notice_id: str, sha256: str) -> tuple[NoticeDocument, bytes]:
    """A document attached to a notice, for its addressee only."""
    notice = await notices._mine(runtime, principal, notice_id)
    listed = next((d for d in notice.deposited.content.documents if d.sha256 == sha256), None)
    data = await blobs(runtime).get(sha256) if listed else None
    if data is None:
        raise Problem(404, "document-not-found", detail="The notice has no document with this SHA-256.")
    return listed, data
