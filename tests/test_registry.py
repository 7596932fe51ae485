"""The registry as a process: the competent-court decision over HTTP, its problems, and every court's own queue."""


import aio_pika
import httpx
import pytest
from aio_pika.exceptions import ChannelPreconditionFailed, DeliveryError

from ejustice_shared.events import Envelope, FilingForwarded, Party
from tests.support.stores import AMQP_URL, drain

PROBLEM = "application/problem+json"


@pytest.fixture
def registry(fresh_platform):
    platform = fresh_platform().start("registry")
    yield platform
    platform.stop()  # also deletes the namespace's queues, the courts' included


def get(platform, path: str, **params) -> httpx.Response:
    headers = {"accept-language": params.pop("language")} if "language" in params else {}
    return httpx.get(platform["registry"].url + path, params=params, headers=headers, timeout=10)


def fields(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return {error["field"]: error["code"] for error in answer.json()["errors"]}


def test_the_competent_court_is_decided_over_http_with_its_reason(registry):
    # Filed at the Abarkuh office (Yazd province) against a respondent living in Tehran.
    answer = get(registry, "/jurisdiction/competent-court", subject_code="cheque-claim", jurisdiction="IR",
                 applicant_city="IR-ABK", respondent_city="IR-THR")
    assert answer.status_code == 200, answer.text
    decision = answer.json()
    assert {k: decision[k] for k in ("court_id", "court_type", "city_id", "province_id", "rule")} == {
        "court_id": "IR-THR-CIVIL", "court_type": "civil", "city_id": "IR-THR", "province_id": "IR-PROV-THR",
        "rule": "IR-CIVIL-RESPONDENT"}
    assert decision["court_name"]["fa"] == "دادگاه عمومی حقوقی تهران"
    assert decision["reason"]["en"].startswith("Civil claims go to the civil court of the respondent's residence "
                                               "(Tehran) — Civil Procedure Code art. 11.")
    assert set(decision["reason"]) == {"fa", "vi", "en"}

    family = get(registry, "/jurisdiction/competent-court", subject_code="alimony", jurisdiction="VN",
                 applicant_city="VN-DN", respondent_city="VN-HCM").json()
    assert (family["court_id"], family["rule"]) == ("VN-DN-PC", "VN-FAMILY-APPLICANT")

    brief = get(registry, "/jurisdiction/competent-court", subject_code="case-brief", jurisdiction="IR",
                case_court_id="IR-MHD-FAMILY").json()
    assert (brief["court_id"], brief["court_type"], brief["province_id"]) == ("IR-MHD-FAMILY", "family", "IR-PROV-RKH")


def test_places_and_courts_are_public_reference_data(registry):
    assert {p["province_id"] for p in get(registry, "/provinces", jurisdiction="VN").json()} == {
        "VN-PROV-HN", "VN-PROV-HCM", "VN-PROV-DN", "VN-PROV-HP"}
    yazd = get(registry, "/cities", province_id="IR-PROV-YZD").json()
    assert [(c["city_id"], c["names"]["en"]) for c in yazd] == [("IR-YZD", "Yazd"), ("IR-ABK", "Abarkuh")]
    assert all(c["jurisdiction"] == "IR" for c in get(registry, "/cities", jurisdiction="IR").json())
    assert {c["court_id"] for c in get(registry, "/courts", city_id="IR-THR").json()} == {
        "IR-THR-CIVIL", "IR-THR-FAMILY", "IR-THR-CRIMINAL"}
    court = get(registry, "/courts/IR-THR-CIVIL").json()
    assert court["branches"][0] == {
        "branch_id": "IR-THR-CIVIL-B12", "number": 12, "branch_type": "civil",
        "names": {"fa": "شعبه ۱۲ دادگاه عمومی حقوقی تهران", "vi": "Chi nhánh 12, Tòa án dân sự chung Tehran",
                  "en": "Branch 12 of the General Civil Court of Tehran"}}
    missing = get(registry, "/courts/IR-THR-NOPE")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert fields(get(registry, "/courts", city_id="IR-NOWHERE")) == {"city_id": "unknown-city"}


def test_bad_input_is_a_problem_naming_every_field_at_once(registry):
    path = "/jurisdiction/competent-court"
    assert fields(get(registry, path)) == {"jurisdiction": "missing", "subject_code": "missing"}
    assert fields(get(registry, path, subject_code="no-such", jurisdiction="IR", respondent_city="IR-NOWHERE")) == {
        "subject_code": "unknown-subject", "respondent_city": "unknown-city"}
    assert fields(get(registry, path, subject_code="damages", jurisdiction="IR", applicant_city="VN-HN")) == {
        "applicant_city": "other-jurisdiction", "respondent_city": "required-for-subject"}
    assert fields(get(registry, path, subject_code="case-brief", jurisdiction="VN", case_court_id="VN-XX-PC")) == {
        "case_court_id": "unknown-court"}

    persian = get(registry, path, subject_code="mahr-claim", jurisdiction="IR", language="fa")
    assert fields(persian) == {"applicant_city": "required-for-subject"}
    assert persian.json()["title"] == "برخی از اطلاعات ارسالی نیاز به اصلاح دارد."
    assert persian.json()["errors"][0]["reason"] == (
        "برای موضوع «mahr-claim» شهر محل اقامت خواهان (applicant_city) لازم است.")


def forwarded(court_id: str) -> Envelope:
    filing = FilingForwarded(
        filing_id=f"f-{court_id}", tracking_code="1234567890", court_id=court_id, court_reason={"en": "test"},
        kind="petition", subject_code="cheque-claim", jurisdiction="IR", statement="x", documents=[],
        parties=[Party(role="applicant", national_id="0499370899", name="A", city_id="IR-ABK")])
    return Envelope.wrap(filing, source="filing", subject=filing.filing_id)


async def test_each_court_queue_takes_the_filings_forwarded_to_that_court_only(registry):
    namespace = registry.namespace
    tehran, isfahan, unknown = forwarded("IR-THR-CIVIL"), forwarded("IR-ISF-CIVIL"), forwarded("IR-NO-COURT")
    assert tehran.routing_key == "court.IR-THR-CIVIL.filing.forwarded"
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(f"{namespace}.events")

        async def publish(envelope: Envelope) -> None:
            await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id,
                                                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                   routing_key=envelope.routing_key, mandatory=True, timeout=10)

        await publish(tehran)  # confirmed, not returned: some queue took it
        await publish(isfahan)
        with pytest.raises(DeliveryError):  # a key no court's queue binds is returned to the publisher
            await publish(unknown)

    assert [m.message_id for m in await drain(f"{namespace}.court.IR-THR-CIVIL")] == [tehran.id]
    assert [m.message_id for m in await drain(f"{namespace}.court.IR-ISF-CIVIL")] == [isfahan.id]


async def test_every_court_has_a_durable_quorum_queue_with_the_platforms_limits(registry):
    namespace = registry.namespace
    expected = {  # the bus's own policy (EventBus.queue_arguments) with the test platform's settings
        "x-queue-type": "quorum", "x-delivery-limit": 5, "x-max-length": 100_000, "x-overflow": "reject-publish",
        "x-dead-letter-exchange": f"{namespace}.dead", "x-dead-letter-strategy": "at-least-once",
    }
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        for court in get(registry, "/courts").json():
            name = f"{namespace}.court.{court['court_id']}"
            channel = await connection.channel()
            for existing in (name, f"{name}.dead"):
                await channel.get_queue(existing, ensure=True)  # passive: fails if it is not there
            # Declaring an existing queue with other arguments fails, so this passes only if they match.
            await channel.declare_queue(name, durable=True, passive=False,
                                        arguments={**expected, "x-dead-letter-routing-key": name})
            await channel.close()
        channel = await connection.channel()
        with pytest.raises(ChannelPreconditionFailed):  # the check above can fail
            await channel.declare_queue(f"{namespace}.court.IR-THR-CIVIL", durable=True,
                                        arguments={**expected, "x-max-length": 7})
    assert len(get(registry, "/courts").json()) == 28
