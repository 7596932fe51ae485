"""The notification service as a process: e-boxes, notices, first views, deemed service, paper service and SMS.

The test stands in for the gateway and the courts: it publishes account.registered,
filing.accepted and filing.returned onto the platform's exchange itself, and a spy queue
keeps every notice.* and paper_service.* event the service publishes.
"""

import asyncio
import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from ejustice_shared.events import (
    AccountRegistered,
    Envelope,
    FilingAccepted,
    FilingReturned,
    PaperServiceAssigned,
    Party,
    ReturnReason,
)
from ejustice_shared.people import valid_iranian_national_code
from tests.support.bus import Bus
from tests.support.platform import Platform, consumed, wait_consumed, wait_until
from tests.support.stores import commits, events_of, mongo

# Iran: arrival is service; Vietnam here stands for a jurisdiction that serves at the first view.
MODULE_POLICY = {"IR": {"rule": "on_delivery"}, "VN": {"rule": "on_first_view"}}


@pytest.fixture(scope="module")
def notification(infrastructure):
    """Notification with the module's policy, and a gateway only to issue development tokens."""
    platform = Platform()
    platform["gateway"].start()  # its readiness waits for all five services; its token endpoint does not
    platform.start("notification", NOTIFICATION_DEEMED_SERVICE=json.dumps(MODULE_POLICY),
                   NOTIFICATION_DEEMED_SERVICE_CHECK_SECONDS="0.2")
    wait_until(lambda: httpx.get(platform.gateway + "/healthz", timeout=2).status_code == 200, what="gateway")
    yield platform
    platform.stop()


@pytest_asyncio.fixture(scope="module")
async def bus(notification):
    # Bound before anything is published, so the service's mandatory publishes always have a queue.
    opened = await Bus(notification.namespace, ("notice.*", "paper_service.*")).open()
    yield opened
    await opened.close()


# --- people and the events about them ----------------------------------------------------------------


def iranian_national_id() -> str:
    while True:
        body = f"{random.randrange(10**9):09d}"
        total = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
        code = body + str(total if total < 2 else 11 - total)
        if valid_iranian_national_code(code):
            return code


@dataclass
class Citizen:
    jurisdiction: str
    account_id: str
    national_id: str
    mobile: str
    name: str
    city_id: str

    @classmethod
    def make(cls, jurisdiction: str = "IR") -> "Citizen":
        tail = f"{random.randrange(10**7):07d}"
        if jurisdiction == "IR":
            return cls("IR", f"acct-{uuid.uuid4().hex[:12]}", iranian_national_id(), f"+98912{tail}",
                       "مریم احمدی", "IR-THR")
        return cls("VN", f"acct-{uuid.uuid4().hex[:12]}", f"0010{random.randrange(10**8):08d}", f"+8491{tail}",
                   "Nguyễn Thị Lan", "VN-HN")

    def registered(self) -> Envelope:
        data = AccountRegistered(account_id=self.account_id, jurisdiction=self.jurisdiction,
                                 national_id=self.national_id, mobile=self.mobile)
        return Envelope.wrap(data, source="gateway", subject=self.account_id)

    def party(self, role: str) -> Party:
        return Party(role=role, national_id=self.national_id, name=self.name, city_id=self.city_id)

    def headers(self, platform: Platform) -> dict[str, str]:
        return platform.token(self.account_id, "citizen", national_id=self.national_id,
                              jurisdiction=self.jurisdiction)


def accepted(jurisdiction: str, *parties: Party) -> Envelope:
    filing_id = uuid.uuid4().hex
    data = FilingAccepted(filing_id=filing_id, tracking_code=f"{random.randrange(10**11):011d}",
                          court_id=f"{jurisdiction}-COURT-12", case_number=f"1405-{random.randrange(10**6):06d}",
                          branch_id="branch-3", jurisdiction=jurisdiction, parties=list(parties),
                          accepted_by="court-clerk-1")
    return Envelope.wrap(data, source="court", subject=filing_id)


def get(platform: Platform, path: str, headers: dict | None = None, **params) -> httpx.Response:
    return httpx.get(platform["notification"].url + path, headers=headers, params=params, timeout=10)


def post(platform: Platform, path: str, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(platform["notification"].url + path, json=body, headers=headers, timeout=10)


async def register(platform: Platform, bus: Bus, citizen: Citizen) -> dict:
    """Publish the registration and wait for the e-box."""
    await bus.publish(citizen.registered())
    headers = citizen.headers(platform)
    answer = wait_until(lambda: (r := get(platform, "/eboxes/me", headers)).status_code == 200 and r,
                        what="the e-box")
    return answer.json()


def sandbox_sms(platform: Platform, mobile: str) -> list[dict]:
    answer = get(platform, "/sandbox-sms", to=mobile)
    assert answer.status_code == 200, answer.text
    return answer.json()


# --- e-boxes -------------------------------------------------------------------------------------------


async def test_an_account_gets_one_ebox_even_when_the_registration_arrives_twice(notification, bus):
    citizen = Citizen.make("IR")
    headers = citizen.headers(notification)
    assert get(notification, "/eboxes/me", headers).status_code == 404  # not before it is opened

    twice = citizen.registered()
    before = consumed(notification["notification"], "account.registered")
    await bus.publish(twice)
    await bus.publish(twice)
    wait_consumed(notification["notification"], "account.registered", before + 2)  # both deliveries handled

    ebox = get(notification, "/eboxes/me", headers).json()
    assert ebox["ebox_id"] == f"IR-{citizen.national_id}"
    assert len(ebox["user_code"]) == 10 and ebox["user_code"].isdigit()
    assert (ebox["notices"], ebox["unread"]) == (0, 0)
    stream = await commits(notification.database("notification"), f"ebox-IR-{citizen.national_id}")
    assert [event["type"] for doc in stream for event in doc["events"]] == ["ebox.opened"]
    assert stream[0]["events"][0]["data"]["user_code"] == ebox["user_code"]


# --- notices -------------------------------------------------------------------------------------------


async def test_an_acceptance_reaches_the_party_with_an_ebox_and_goes_on_paper_for_the_other(notification, bus):
    applicant, respondent = Citizen.make("IR"), Citizen.make("IR")  # only the applicant has an e-box
    await register(notification, bus, applicant)
    envelope = accepted("IR", applicant.party("applicant"), respondent.party("respondent"))
    case_number = envelope.data["case_number"]
    before = consumed(notification["notification"], "filing.accepted")
    await bus.publish(envelope)
    await bus.publish(envelope)  # redelivered

    [delivered] = await bus.wait_for("notice.delivered", filing_id=envelope.subject)
    [requested] = await bus.wait_for("paper_service.requested", filing_id=envelope.subject)
    await bus.wait_for("notice.served", filing_id=envelope.subject)
    notice_id = delivered["data"]["notice_id"]
    assert delivered["data"]["account_id"] == applicant.account_id
    assert delivered["data"]["case_number"] == case_number and delivered["data"]["kind"] == "case-accepted"
    assert delivered["data"]["deemed_served_at"] == delivered["data"]["delivered_at"]  # Iran: arrival is service

    headers = applicant.headers(notification)
    [notice] = get(notification, "/notices", headers).json()
    assert notice["notice_id"] == notice_id and notice["viewed_at"] is None
    assert notice["served_at"] == notice["delivered_at"] and notice["service_rule"] == "on_delivery"
    assert case_number in notice["title"]["fa"] and "applicant" in notice["body"]["en"]
    assert envelope.data["tracking_code"] in notice["body"]["vi"]
    assert get(notification, "/eboxes/me", headers).json() | {"notices": 1, "unread": 1} == \
        get(notification, "/eboxes/me", headers).json()

    [alert] = wait_until(lambda: sandbox_sms(notification, applicant.mobile), what="the SMS alert")
    assert case_number in alert["text"] and alert["to"] == applicant.mobile

    assert requested["data"] == {"task_id": requested["data"]["task_id"], "filing_id": envelope.subject,
                                 "kind": "case-accepted", "party_name": respondent.name, "city_id": "IR-THR"}
    clerk = notification.token("clerk-tehran-1", "clerk", office_id="office-7")
    assert requested["data"]["task_id"] not in [t["task_id"] for t in get(notification, "/paper-service", clerk).json()]
    await assign_to_office(bus, requested["data"]["task_id"], "office-7")  # as the registry does
    tasks = wait_until(lambda: [t for t in get(notification, "/paper-service", clerk).json()
                                if t["task_id"] == requested["data"]["task_id"]], what="the task at office-7")
    [task] = tasks
    assert task["office_id"] == "office-7"
    assert task["national_id"] == respondent.national_id and task["case_number"] == case_number
    assert task["outcome"] is None and "respondent" in task["body"]["en"]
    assert get(notification, "/paper-service", clerk, city_id="VN-HN").json() == []

    wait_consumed(notification["notification"], "filing.accepted", before + 2)  # the second delivery changed nothing
    stored = await commits(notification.database("notification"), f"notice-{notice_id}")
    assert len(events_of(stored, "notice.delivered")) == 1
    for event_type in ("notice.delivered", "notice.served", "paper_service.requested"):
        assert len(await bus.events(event_type, filing_id=envelope.subject)) == 1, event_type
    assert len(get(notification, "/notices", headers).json()) == 1
    assert len(sandbox_sms(notification, applicant.mobile)) == 1
    assert [t["task_id"] for t in get(notification, "/paper-service", clerk).json()].count(task["task_id"]) == 1


async def test_the_first_view_is_recorded_once_and_nobody_else_can_read_the_notice(notification, bus):
    owner, stranger = Citizen.make("IR"), Citizen.make("IR")
    await register(notification, bus, owner)
    await register(notification, bus, stranger)
    envelope = accepted("IR", owner.party("respondent"))
    await bus.publish(envelope)
    [delivered] = await bus.wait_for("notice.delivered", filing_id=envelope.subject)
    notice_id = delivered["data"]["notice_id"]

    headers = owner.headers(notification)
    async with httpx.AsyncClient(base_url=notification["notification"].url, headers=headers, timeout=10) as client:
        reads = await asyncio.gather(*(client.get(f"/notices/{notice_id}") for _ in range(6)))
    assert [r.status_code for r in reads] == [200] * 6
    assert len({r.json()["viewed_at"] for r in reads}) == 1 and reads[0].json()["viewed_at"] is not None
    assert get(notification, f"/notices/{notice_id}", headers).json()["viewed_at"] == reads[0].json()["viewed_at"]
    assert get(notification, "/eboxes/me", headers).json()["unread"] == 0

    [viewed] = await bus.wait_for("notice.viewed", notice_id=notice_id)
    assert viewed["data"]["viewed_at"] == reads[0].json()["viewed_at"]
    assert viewed["data"]["account_id"] == owner.account_id

    other = stranger.headers(notification)
    refused = get(notification, f"/notices/{notice_id}", other)
    assert refused.status_code == 404 and refused.json()["type"].endswith("/notice-not-found")
    assert get(notification, "/notices", other).json() == []
    assert get(notification, f"/notices/{notice_id}").status_code == 401

    # Every view answered after its commit: the stream says the first view was recorded once.
    stored = await commits(notification.database("notification"), f"notice-{notice_id}")
    assert len(events_of(stored, "notice.viewed")) == 1
    assert len(await bus.events("notice.viewed", notice_id=notice_id)) == 1


async def test_a_returned_filing_tells_the_filer_what_to_correct_or_goes_on_paper(notification, bus):
    filer, respondent, unregistered = Citizen.make("IR"), Citizen.make("IR"), Citizen.make("IR")
    await register(notification, bus, filer)
    reasons = [ReturnReason(code="missing-document", note="copy of the cheque"), ReturnReason(code="fee-unpaid")]

    def returned(by: Citizen) -> Envelope:
        filing_id = uuid.uuid4().hex
        data = FilingReturned(filing_id=filing_id, tracking_code="40512345678", court_id="IR-COURT-12",
                              reasons=reasons, jurisdiction="IR", filer_id=by.account_id, returned_by="court-clerk-1",
                              parties=[by.party("applicant"), respondent.party("respondent")])
        return Envelope.wrap(data, source="court", subject=filing_id)

    to_filer, to_unregistered = returned(filer), returned(unregistered)
    before = consumed(notification["notification"], "filing.returned")
    await bus.publish(to_filer)
    await bus.publish(to_unregistered)

    [delivered] = await bus.wait_for("notice.delivered", filing_id=to_filer.subject)
    assert delivered["data"]["kind"] == "filing-returned" and delivered["data"]["account_id"] == filer.account_id
    [notice] = get(notification, "/notices", filer.headers(notification)).json()
    assert [r["code"] for r in notice["reasons"]] == ["missing-document", "fee-unpaid"]
    assert "missing-document (copy of the cheque)" in notice["body"]["en"]
    # The filer without an e-box: the deficiency goes on paper to the applicant, not to the respondent.
    [requested] = await bus.wait_for("paper_service.requested", filing_id=to_unregistered.subject)
    assert requested["data"]["kind"] == "filing-returned" and requested["data"]["party_name"] == unregistered.name
    wait_consumed(notification["notification"], "filing.returned", before + 2)
    assert await bus.events("paper_service.requested", filing_id=to_filer.subject) == []
    assert len(await bus.events("paper_service.requested", filing_id=to_unregistered.subject)) == 1


# --- deemed service ------------------------------------------------------------------------------------


async def test_under_on_first_view_a_notice_is_served_when_it_is_first_read_and_not_before(notification, bus):
    citizen = Citizen.make("VN")  # this module's policy for VN: on_first_view
    await register(notification, bus, citizen)
    envelope = accepted("VN", citizen.party("applicant"))
    await bus.publish(envelope)
    [delivered] = await bus.wait_for("notice.delivered", filing_id=envelope.subject)
    assert delivered["data"]["deemed_served_at"] is None
    notice_id = delivered["data"]["notice_id"]

    # Nothing waits for the periodic check to serve it: no marker in the queue of notices served by time.
    client = mongo()
    try:
        pending = client[notification.database("notification")]["notices_pending_service"]
        assert await pending.find_one({"_id": notice_id}) is None
    finally:
        await client.close()
    assert await bus.events("notice.served", notice_id=notice_id) == []
    headers = citizen.headers(notification)
    assert get(notification, "/notices", headers).json()[0]["served_at"] is None
    assert "thụ lý" in wait_until(lambda: sandbox_sms(notification, citizen.mobile), what="alert")[0]["text"]

    read = get(notification, f"/notices/{notice_id}", headers).json()
    assert read["served_at"] == read["viewed_at"] and read["service_rule"] == "on_first_view"
    [served] = await bus.wait_for("notice.served", notice_id=notice_id)
    assert served["data"]["served_at"] == read["viewed_at"] and served["data"]["rule"] == "on_first_view"


async def test_under_days_after_delivery_a_notice_is_served_when_the_days_pass_or_at_an_earlier_view(
        notification, fresh_platform):
    days = 0.00002  # 1.728 seconds
    platform = fresh_platform()
    policy = {"IR": {"rule": "days_after_delivery", "days": days}, "VN": {"rule": "on_delivery"}}
    platform.start("notification", NOTIFICATION_DEEMED_SERVICE=json.dumps(policy),
                   NOTIFICATION_DEEMED_SERVICE_CHECK_SECONDS="0.2")
    bus = await Bus(platform.namespace, ("notice.*", "paper_service.*")).open()
    try:
        reader, idler = Citizen.make("IR"), Citizen.make("IR")
        for citizen in (reader, idler):
            await bus.publish(citizen.registered())
            wait_until(lambda c=citizen: get(platform, "/eboxes/me", c.headers(notification)).status_code == 200,
                       what="the e-box")
        envelope = accepted("IR", reader.party("applicant"), idler.party("respondent"))
        await bus.publish(envelope)
        delivered = {e["data"]["account_id"]: e["data"]
                     for e in await bus.wait_for("notice.delivered", count=2, filing_id=envelope.subject)}
        assert {d["deemed_served_at"] for d in delivered.values()} == {None}

        # The reader opens the notice at once: served then, long before the days are over.
        read_id = delivered[reader.account_id]["notice_id"]
        read = get(platform, f"/notices/{read_id}", reader.headers(notification)).json()
        assert read["served_at"] == read["viewed_at"]
        [served_on_view] = await bus.wait_for("notice.served", notice_id=read_id)
        assert served_on_view["data"]["rule"] == "days_after_delivery"

        # The other never reads it: served exactly the configured days after delivery, by the periodic check.
        idle_id = delivered[idler.account_id]["notice_id"]
        deadline = datetime.fromisoformat(delivered[idler.account_id]["delivered_at"]) + timedelta(days=days)
        assert await bus.events("notice.served", notice_id=idle_id) == []
        [served] = await bus.wait_for("notice.served", notice_id=idle_id, timeout=15)
        assert datetime.fromisoformat(served["data"]["served_at"]) == deadline
        assert datetime.fromisoformat(served["time"]) >= deadline  # published once the time had come, not before
        assert get(platform, "/notices", idler.headers(notification)).json()[0]["served_at"] == \
            served["data"]["served_at"]
        stored = await commits(platform.database("notification"), f"notice-{idle_id}")
        assert len(events_of(stored, "notice.served")) == 1  # served once, however many rounds the check ran
        assert len(await bus.events("notice.served", notice_id=idle_id)) == 1
    finally:
        await bus.close()


# --- paper service -------------------------------------------------------------------------------------


async def assign_to_office(bus, task_id: str, office_id: str) -> None:
    """The registry's assignment of a task to the office serving the party's city."""
    await bus.publish(Envelope.wrap(PaperServiceAssigned(task_id=task_id, office_id=office_id, reason="serves-city"),
                                    source="registry", subject=task_id))


async def test_a_paper_service_outcome_is_recorded_once(notification, bus):
    envelope = accepted("IR", Citizen.make("IR").party("respondent"))
    await bus.publish(envelope)
    [requested] = await bus.wait_for("paper_service.requested", filing_id=envelope.subject)
    task_id = requested["data"]["task_id"]
    path = f"/paper-service/{task_id}/outcome"

    citizen = notification.token("citizen-curious", "citizen")
    assert get(notification, "/paper-service", citizen).status_code == 403
    assert post(notification, path, {"outcome": "served"}, citizen).status_code == 403

    clerk = notification.token("clerk-tehran-2", "clerk", office_id="office-7")
    elsewhere = notification.token("clerk-elsewhere", "clerk", office_id="office-8")
    await assign_to_office(bus, task_id, "office-7")  # as the registry does
    wait_until(lambda: [t for t in get(notification, "/paper-service", clerk).json() if t["task_id"] == task_id],
               what="the task at office-7")
    assert post(notification, path, {"outcome": "served"}, elsewhere).status_code == 404  # not their office's
    assert task_id not in [t["task_id"] for t in get(notification, "/paper-service", elsewhere).json()]
    future = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
    refused = post(notification, path, {"outcome": "refused", "served_at": future}, clerk)
    assert refused.status_code == 422
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {("served_at", "only-when-served"),
                                                                          ("served_at", "in-the-future")}
    assert post(notification, "/paper-service/no-such-task/outcome", {"outcome": "served"}, clerk).status_code == 404

    served_at = datetime.now().astimezone().isoformat()
    typed = served_at.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))  # as a Persian keyboard types it
    answer = post(notification, path, {"outcome": "served", "served_at": typed}, clerk)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "served" and answer.json()["recorded_by"] == "clerk-tehran-2"
    assert datetime.fromisoformat(answer.json()["served_at"]) == datetime.fromisoformat(served_at)

    again = post(notification, path, {"outcome": "not-found"}, notification.token("operator-1", "operator"))
    assert again.status_code == 409 and again.json()["type"].endswith("/outcome-already-recorded")
    assert task_id not in [t["task_id"] for t in get(notification, "/paper-service", clerk).json()]

    [recorded] = await bus.wait_for("paper_service.recorded", task_id=task_id)
    assert recorded["data"]["outcome"] == "served" and recorded["data"]["filing_id"] == envelope.subject
    assert len(await bus.events("paper_service.recorded", task_id=task_id)) == 1
    stream = await commits(notification.database("notification"), f"paper-{task_id}")
    assert len(events_of(stream, "paper_service.recorded")) == 1


# --- SMS -----------------------------------------------------------------------------------------------


async def test_internal_sms_sends_one_time_codes_for_services_only_and_never_logs_them(notification):
    mobile = Citizen.make("IR").mobile
    body = {"to": mobile, "template": "otp", "language": "fa", "params": {"code": "۴۸۲۹۱۷", "minutes": "5"}}
    assert post(notification, "/internal/sms", body).status_code == 401
    assert post(notification, "/internal/sms", body, notification.token("citizen-x", "citizen")).status_code == 403

    service = notification.token("gateway", "service")
    typed_locally = "۰" + "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in mobile[3:])  # 0912... in Persian digits
    first = post(notification, "/internal/sms", {**body, "to": typed_locally}, service)
    assert first.status_code == 202, first.text
    assert first.json()["to"] == mobile
    second = post(notification, "/internal/sms",
                  {**body, "language": "en", "params": {"code": "551204", "minutes": "5"}}, service)
    assert second.status_code == 202

    outbox = sandbox_sms(notification, mobile)
    assert [m["message_id"] for m in outbox] == [second.json()["message_id"], first.json()["message_id"]]
    assert "551204" in outbox[0]["text"] and "482917" in outbox[1]["text"]  # Persian digits made ASCII
    assert sandbox_sms(notification, typed_locally) == outbox

    bad = post(notification, "/internal/sms", {"to": "12345", "template": "otp", "language": "en",
                                               "params": {"pin": "1234", "minutes": "5"}}, service)
    assert bad.status_code == 422
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("to", "not-a-mobile"), ("params.code", "missing"), ("params.pin", "unknown-param")}

    log = notification["notification"].log_path.read_text("utf-8")
    assert "482917" not in log and "551204" not in log


@pytest.mark.parametrize("query", [{}, {"to": "not a number"}])
def test_the_sandbox_outbox_needs_a_mobile_number(notification, query):
    assert get(notification, "/sandbox-sms", **query).status_code == 422
