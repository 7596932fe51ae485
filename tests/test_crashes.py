"""Crashes at the worst moments: an event may be delivered twice, an effect happens once."""

import asyncio
import time

import aio_pika
import httpx

from tests.support.journey import cheque_claim_draft
from tests.support.journey import citizen as journey_citizen
from tests.support.people import iranian_national_code
from tests.support.platform import wait_until
from tests.support.stores import AMQP_URL, awaiting_relay, commits, events_of
from tests.test_flow import fee_of, submitted_cheque_claim


async def spy_on(platform, routing_key: str):
    """A queue of the test's own bound to the platform's exchange, to count what was published."""
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(f"{platform.namespace}.events", aio_pika.ExchangeType.TOPIC,
                                              durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key)
    return connection, queue


async def take_all(queue, *, at_least: int, timeout: float = 30) -> list:
    """What the queue holds once `at_least` messages arrived."""
    taken = []

    async def more():
        while (message := await queue.get(fail=False)) is not None:
            await message.ack()
            taken.append(message)
        return len(taken) >= at_least

    deadline = time.monotonic() + timeout
    while not await more():
        assert time.monotonic() < deadline, f"only {len(taken)} messages of {at_least}"
        await asyncio.sleep(0.2)
    return taken


async def test_relay_killed_after_confirm_before_marking_publishes_twice_effect_once(fresh_platform):
    platform = fresh_platform()
    filing_service = platform["filing"]
    # No dossier checkpoint either: its event would be the first the relay publishes, and the crash its.
    filing_service.start(EJUSTICE_CRASH_AT="relay.after_confirm", FILING_CHECKPOINT_SECONDS="0")
    platform.start("registry", "notification", "payment", "gateway")  # the gateway waits for filing too
    connection, spy = await spy_on(platform, "filing.submitted")
    try:
        citizen, national_id = journey_citizen(platform, 500)
        with httpx.Client(base_url=platform.gateway, timeout=30) as client:
            filing = cheque_claim_draft(client, citizen, applicant=national_id, respondent=iranian_national_code(501))
            # The relay may die before the answer leaves: the submission is committed all the same.
            answer = client.post(f"/api/filings/{filing['id']}/submit", headers=citizen)
            assert answer.status_code in (200, 502), answer.text
        assert filing_service.wait_exit() == 70  # died between the broker's confirm and the mark

        filing_service.start()
        filing_service.wait_ready()
        fee = wait_until(lambda: fee_of(platform, citizen, filing["id"]), timeout=30, what="fee after restart")
        # Once the restarted relay marked it published, both copies are in the spy's queue and no third will come.
        wait_until(lambda: awaiting_relay(platform.database("filing"), "filing-") == 0, timeout=30,
                   what="the submission marked published")

        published = await take_all(spy, at_least=2)
        assert {m.message_id for m in published} == {submitted_id(await commits(platform.database("filing")))}
        assert len(published) == 2
        assessments = events_of(await commits(platform.database("payment"), "assessment-"), "fee.assessed")
        assert len(assessments) == 1 and assessments[0]["data"]["assessment_id"] == fee["assessment_id"]
        recorded = events_of(await commits(platform.database("filing")), "filing.fee_recorded")
        assert len(recorded) == 1
    finally:
        await connection.close()


def submitted_id(docs: list[dict]) -> str:
    (event,) = events_of(docs, "filing.submitted")
    return event["id"]


async def test_consumer_killed_after_its_effect_before_the_ack_is_redelivered_effect_once(fresh_platform):
    platform = fresh_platform()
    payment = platform["payment"]
    payment.start(EJUSTICE_CRASH_AT="consumer.after_effect")
    platform.start("registry", "notification", "filing", "gateway")

    citizen, filing = submitted_cheque_claim(platform, 600)
    assert payment.wait_exit() == 70  # the assessment is stored, the delivery is not acked
    stored = events_of(await commits(platform.database("payment"), "assessment-"), "fee.assessed")
    assert len(stored) == 1

    payment.start()
    payment.wait_ready()
    wait_until(lambda: fee_of(platform, citizen, filing["id"]), timeout=30, what="fee after restart")
    # The redelivered event was recognised by its id: still one assessment, acked this time.
    wait_until(lambda: 'events_consumed_total{outcome="handled",type="filing.submitted"} 1.0'
               in httpx.get(payment.url + "/metrics").text, timeout=15, what="redelivery handled")
    assert len(events_of(await commits(platform.database("payment"), "assessment-"), "fee.assessed")) == 1
    assert len(events_of(await commits(platform.database("filing")), "filing.fee_recorded")) == 1
