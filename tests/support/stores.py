"""Direct looks at what services stored and what the broker holds, for assertions."""

import asyncio
import os
import threading

import aio_pika
from pymongo import AsyncMongoClient, MongoClient

MONGODB_URL = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def mongo() -> AsyncMongoClient:
    return AsyncMongoClient(MONGODB_URL, tz_aware=True)


async def commits(database: str, stream_prefix: str = "") -> list[dict]:
    client = mongo()
    try:
        query = {"stream": {"$regex": f"^{stream_prefix}"}} if stream_prefix else {}
        return [doc async for doc in client[database]["commits"].find(query).sort([("stream", 1), ("seq", 1)])]
    finally:
        await client.close()


def events_of(docs: list[dict], event_type: str) -> list[dict]:
    return [event for doc in docs for event in doc["events"] if event["type"] == event_type]


async def drain(queue_name: str, *, expected: int = 0, wait: float = 0.0) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take (and ack) every message now in a queue."""
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        taken = []
        while True:
            message = await queue.get(fail=False, timeout=5)
            if message is None:
                break
            await message.ack()
            taken.append(message)
        return taken
    finally:
        await connection.close()


def delete_bus_namespace(namespace: str, consumers: list[str]) -> None:
    """Remove a test run's queues and exchanges, so runs do not pile up quorum queues on the shared broker."""

    async def delete() -> None:
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            for consumer in consumers:  # deleting a queue that is not there is no error in RabbitMQ
                await channel.queue_delete(f"{namespace}.{consumer}")
                await channel.queue_delete(f"{namespace}.{consumer}.dead")
            for exchange in ("events", "dead"):
                await channel.exchange_delete(f"{namespace}.{exchange}")

    # Run on a thread of its own: the caller may be inside a running event loop.
    worker = threading.Thread(target=asyncio.run, args=(delete(),))
    worker.start()
    worker.join(timeout=60)


def drop_databases(names: list[str]) -> None:
    """A test run's databases go with it: FerretDB keeps a file for each."""
    client = MongoClient(MONGODB_URL)
    try:
        for name in names:
            client.drop_database(name)
    finally:
        client.close()
