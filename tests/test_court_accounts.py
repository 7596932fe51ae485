"""Each court's own broker account, as `scripts/infra.sh court-accounts` sets it up: a court reads its own
queue and publishes on its own key, and the broker refuses it everything else."""

import asyncio
import subprocess

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from ejustice_court_client.bus import CourtBus
from ejustice_shared.events import CourtNoticePosted, Envelope
from tests.support.platform import ROOT, Platform
from tests.support.stores import AMQP_URL

OWN, OTHER = "IR-THR-CIVIL", "IR-ISF-CIVIL"
BROKER = AMQP_URL.split("@", 1)[1]


@pytest.fixture(scope="module")
def courts_queues(infrastructure):
    """The registry declares every court's queue on a namespace of the test's own; the accounts cover it."""
    platform = Platform()
    platform.start("registry", "notification")
    subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "court-accounts", "ejustice", platform.namespace],
                   check=True)
    yield platform
    platform.stop()


async def connect_as(court_id: str) -> aio_pika.abc.AbstractConnection:
    """The court's own credentials (the development password); the import is asynchronous, so try a while."""
    for _ in range(100):
        try:
            return await aio_pika.connect(f"amqp://court-{court_id}:dev-broker-{court_id}@{BROKER}")
        except Exception:
            await asyncio.sleep(0.1)
    return await aio_pika.connect(f"amqp://court-{court_id}:dev-broker-{court_id}@{BROKER}")


async def test_a_court_reads_only_its_own_queue_and_publishes_only_on_its_own_keys(courts_queues):
    namespace = courts_queues.namespace
    connection = await connect_as(OWN)
    try:
        channel = await connection.channel()
        own = await channel.get_queue(f"{namespace}.court.{OWN}", ensure=False)
        await own.get(fail=False)  # reading its own queue is allowed

        with pytest.raises(ChannelAccessRefused):
            other = await (await connection.channel()).get_queue(f"{namespace}.court.{OTHER}", ensure=False)
            await other.get(fail=False)
        with pytest.raises(ChannelAccessRefused):
            await (await connection.channel()).declare_queue("a-queue-of-its-own")

        async def publish(routing_key: str) -> None:
            confirmed = await connection.channel(publisher_confirms=True)
            exchange = await confirmed.get_exchange(f"{namespace}.events", ensure=False)
            notice = CourtNoticePosted.model_validate({"court_id": OWN, "notice": {
                "reference": "r-1", "kind": "interim-order", "filing_id": "f-1", "text": "t"}})
            body = Envelope.wrap(notice, source="court", subject="r-1").model_dump_json().encode()
            await exchange.publish(aio_pika.Message(body), routing_key=routing_key, timeout=10)
            await confirmed.close()

        await publish(f"by-court.{OWN}.notice.posted")  # its own key: allowed (nobody bound here, so dropped)
        for forbidden in (f"by-court.{OTHER}.notice.posted", f"court.{OWN}.filing.forwarded", "filing.accepted"):
            with pytest.raises(ChannelAccessRefused):
                await publish(forbidden)
    finally:
        await connection.close()

    # Another court's credentials are refused on this court's queue.
    intruder = await connect_as(OTHER)
    try:
        with pytest.raises(ChannelAccessRefused):
            queue = await (await intruder.channel()).get_queue(f"{namespace}.court.{OWN}", ensure=False)
            await queue.get(fail=False)
    finally:
        await intruder.close()


async def test_the_court_client_publishes_a_notice_and_reads_the_answer_on_its_own_queue(courts_queues):
    namespace = courts_queues.namespace
    await connect_as(OWN)  # the accounts are in place
    client = CourtBus(f"amqp://court-{OWN}:dev-broker-{OWN}@{BROKER}", namespace=namespace)
    reference = "client-1"
    await client.publish_notice({"reference": reference, "kind": "interim-order", "filing_id": "not-a-case-here",
                                 "text": "Stay of execution."})
    answers: list[dict] = []

    async def keep(event: dict) -> None:
        answers.append(event)

    # The platform answers on the court's own queue: it knows no such case of this court.
    def answer() -> dict | None:
        return next((a for a in answers if a["type"] == "court_notice.rejected"
                     and a["data"]["reference"] == reference), None)

    while answer() is None:
        assert await client.listen(keep, count=1, idle_seconds=60) == 1, "no answer on the court's queue"
    assert answer()["data"]["errors"][0]["code"] == "case-not-found"
