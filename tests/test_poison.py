"""A message no handler can process is parked with its reason; the ones behind it keep flowing."""

import asyncio
import json
import uuid

import aio_pika

from ejustice_shared.events import Envelope, FilingSubmitted, Money
from tests.support.stores import AMQP_URL, commits, drain, events_of


def submitted(subject_code: str) -> Envelope:
    filing_id = uuid.uuid4().hex
    data = FilingSubmitted(filing_id=filing_id, kind="petition", subject_code=subject_code, jurisdiction="IR",
                           claim=Money(amount=1_000_000, currency="IRR"), filer_id="citizen-poison")
    return Envelope.wrap(data, source="filing", subject=filing_id)


async def publish(platform, body: bytes, message_id: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{platform.namespace}.events")
        await exchange.publish(aio_pika.Message(body, message_id=message_id, delivery_mode=2),
                               routing_key="filing.submitted", mandatory=True)
    finally:
        await connection.close()


async def test_poison_message_is_dead_lettered_with_its_reason_after_the_delivery_limit(fresh_platform):
    platform = fresh_platform()
    # Only payment: the test itself stands in for the filing service and for fee.assessed's consumer.
    platform.start("payment", EVENT_DELIVERY_LIMIT="4")
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.get_exchange(f"{platform.namespace}.events")
    fees = await channel.declare_queue(exclusive=True)
    await fees.bind(exchange, "fee.assessed")

    poison = submitted("no-fee-for-this-subject")  # valid event, but the schedule has no fee for it
    await publish(platform, poison.model_dump_json().encode(), poison.id)
    await publish(platform, b"{not json", "garbage-1")
    good = [submitted("cheque-claim") for _ in range(10)]
    for envelope in good:
        await publish(platform, envelope.model_dump_json().encode(), envelope.id)

    async def assessed() -> set[str]:
        docs = await commits(platform.database("payment"), "assessment-")
        return {e["data"]["filing_id"] for e in events_of(docs, "fee.assessed")}

    for _ in range(150):
        if await assessed() >= {e.subject for e in good}:
            break
        await asyncio.sleep(0.2)
    assert await assessed() == {e.subject for e in good}

    dead_queue = f"{platform.namespace}.payment.dead"
    parked = []
    for _ in range(100):
        parked += await drain(dead_queue)
        if len(parked) >= 2:
            break
        await asyncio.sleep(0.2)
    by_id = {m.message_id: m for m in parked}
    assert set(by_id) == {poison.id, "garbage-1"}
    assert "NoFeeCode" in by_id[poison.id].headers["x-ejustice-reason"]
    assert by_id[poison.id].headers["x-ejustice-deliveries"] == 4
    assert json.loads(by_id[poison.id].body)["id"] == poison.id  # the message itself is kept whole
    assert by_id["garbage-1"].headers["x-ejustice-reason"].startswith("unreadable event")
    assert by_id["garbage-1"].headers["x-ejustice-deliveries"] == 1
    await connection.close()
