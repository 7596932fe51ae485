"""Direct looks at what services stored and what the broker holds, for assertions."""

import asyncio
import contextlib
import os
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
from pymongo import AsyncMongoClient, MongoClient

from ejustice_shared.commits import CommitStore
from ejustice_shared.settings import DEVELOPMENT_MONGODB_URL

MONGODB_URL = os.environ.get("MONGODB_URL", DEVELOPMENT_MONGODB_URL)
ROOT = Path(__file__).resolve().parents[2]
DOCUMENTDB_STATE = ROOT / ".data" / "documentdb"
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def mongo() -> AsyncMongoClient:
    return AsyncMongoClient(MONGODB_URL, tz_aware=True)


@contextlib.asynccontextmanager
async def scratch_commit_stores(count: int, name: str) -> AsyncIterator[list[CommitStore]]:
    """`count` commit stores on one scratch database, each through a client of its own (as rival processes
    would be), with their indexes; the database is dropped afterwards."""
    database = f"t{uuid.uuid4().hex[:10]}_{name}"
    clients = [AsyncMongoClient(MONGODB_URL) for _ in range(count)]
    made = [CommitStore(client[database]) for client in clients]
    await made[0].ensure_indexes()
    try:
        yield made
    finally:
        await clients[0].drop_database(database)
        for client in clients:
            await client.close()


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
    """A test run's databases go with it, so that runs do not pile up collections (tables, in DocumentDB)."""
    client = MongoClient(MONGODB_URL)
    try:
        for name in names:
            client.drop_database(name)
    finally:
        client.close()


def own_documentdb() -> bool:
    """Whether the store in use is the DocumentDB this checkout started, whose PostgreSQL a test may stop."""
    if os.environ.get("MONGODB_URL"):
        return False
    try:
        os.kill(int((DOCUMENTDB_STATE / "gateway.pid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def crash_postgres() -> None:
    """Stop DocumentDB's PostgreSQL as a crash would (no shutdown checkpoint); the gateway stays up."""
    subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "crash-postgres"], check=True, timeout=120)


def start_postgres() -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "mongodb"], check=True, timeout=300)


def awaiting_relay(database: str, stream_prefix: str) -> int:
    """How many commits of these streams the outbox relay has yet to mark published (their markers).

    A marker goes once the broker confirmed the commit's events: none left means all of them were
    delivered to their queues, and none will be published again."""
    client = MongoClient(MONGODB_URL)
    try:
        return client[database]["commits_outbox"].count_documents({"stream": {"$regex": f"^{stream_prefix}"}})
    finally:
        client.close()
