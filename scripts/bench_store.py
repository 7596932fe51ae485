"""How point look-ups by `_id` scale with a collection's size on the MongoDB-wire server in use.

    .venv/bin/python scripts/bench_store.py        (after scripts/infra.sh; uses MONGODB_URL if set)

The commit store reads streams by `_id` and its outbox by a small side collection; this shows
what one look-up (found, and not found) and one insert cost as a collection grows. On MongoDB
the `_id` index keeps them flat; FerretDB 1.24 on SQLite answers `_id` filters with a scan.
"""

import asyncio
import os
import time
import uuid

from pymongo import AsyncMongoClient

SIZES = (100, 1_000, 3_000, 6_000)
SAMPLES = 100
BODY = "x" * 1_500  # about the size of a filing commit


async def main() -> None:
    client = AsyncMongoClient(os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017"))
    database = client[f"bench_store_{uuid.uuid4().hex[:8]}"]
    collection = database["commits"]
    await collection.create_index([("stream", 1), ("seq", 1)], unique=True)
    print(f"{'documents':>10} {'found':>10} {'not found':>10} {'insert':>10}   (ms per operation, {SAMPLES} each)")
    try:
        streams = 0  # s0 .. s<streams-1> exist, one commit each
        for size in SIZES:
            while streams < size:
                batch = min(500, size - streams)
                await collection.insert_many([{"_id": f"s{n}/0000000001", "stream": f"s{n}", "seq": 1, "body": BODY}
                                              for n in range(streams, streams + batch)])
                streams += batch
            found = await timed(lambda n, size=size: collection.find_one({"_id": f"s{n * 37 % size}/0000000001"}))
            missing = await timed(lambda n: collection.find_one({"_id": f"absent-{n}"}))
            inserted = await timed(lambda n, size=size: collection.insert_one(
                {"_id": f"new-{size}-{n}", "stream": f"new-{size}-{n}", "seq": 1, "body": BODY}))
            print(f"{size:>10} {found:>10.2f} {missing:>10.2f} {inserted:>10.2f}")
    finally:
        await client.drop_database(database.name)
        await client.close()


async def timed(operation) -> float:
    started = time.perf_counter()
    for n in range(SAMPLES):
        await operation(n)
    return (time.perf_counter() - started) / SAMPLES * 1000


if __name__ == "__main__":
    asyncio.run(main())
