"""Benchmark: the real filing path against a bare baseline, both on the same RabbitMQ and MongoDB-wire server.

    make bench            (or: .venv/bin/python scripts/bench.py --requests 400 --concurrency 16)

(a) bare: a minimal FastAPI endpoint doing one insert and one confirmed publish;
(b) real: POST /api/filings/{id}/submit through the gateway (drafts prepared beforehand, untimed),
    until the filing is committed and its filing.submitted consumed by payment (the assessment's
    commit time ends the clock). A submission also asks the registry for the competent court and
    claims a tracking code.
Prints requests/s, p50 and p99 of each, and the ratios real/bare. Loopback only; stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ejustice_shared.commits import commit_id  # noqa: E402
from tests.support.journey import cheque_claim_draft, citizen  # noqa: E402
from tests.support.people import iranian_national_code  # noqa: E402
from tests.support.platform import Platform, ensure_infrastructure, free_port, wait_until  # noqa: E402
from tests.support.stores import AMQP_URL, MONGODB_URL, mongo  # noqa: E402

BODY = {"subject_code": "cheque-claim", "claim": {"amount": 500_000_000, "currency": "IRR"},
        "statement": "Benchmark filing."}


def baseline_app():
    """The bare path: one insert, one confirmed, persistent, mandatory publish. Nothing else."""
    import aio_pika
    from fastapi import FastAPI
    from pymongo import AsyncMongoClient

    state = {}

    async def lifespan(app):
        state["mongo"] = AsyncMongoClient(MONGODB_URL)
        state["collection"] = state["mongo"][f"bench_{os.getpid()}"]["filings"]
        state["amqp"] = await aio_pika.connect_robust(AMQP_URL)
        channel = await state["amqp"].channel(publisher_confirms=True, on_return_raises=True)
        state["exchange"] = await channel.declare_exchange(f"bench-{os.getpid()}", aio_pika.ExchangeType.TOPIC,
                                                           auto_delete=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(state["exchange"], "#")
        yield
        await state["mongo"].drop_database(f"bench_{os.getpid()}")
        await state["amqp"].close()
        await state["mongo"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/filings", status_code=201)
    async def create(body: dict) -> dict:
        filing_id = uuid.uuid4().hex
        await state["collection"].insert_one({"_id": filing_id, **body})
        await state["exchange"].publish(
            aio_pika.Message(filing_id.encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="filing.submitted", mandatory=True)
        return {"id": filing_id}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "alive"}

    return app


async def load(urls: list[str], headers: dict, *, concurrency: int) -> tuple[float, list]:
    """POST to every url with `concurrency` in flight; returns the wall time and (id, start, latency)."""
    results: list[tuple[str, float, float]] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker():
            while not queue.empty():
                url = queue.get_nowait()
                started = time.time()
                answer = await client.post(url, json=BODY, headers=headers)
                answer.raise_for_status()
                results.append((answer.json()["id"], started, time.time() - started))

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - began, results


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(name: str, count: int, seconds: float, latencies: list[float]) -> dict:
    row = {"name": name, "rps": count / seconds, "p50": percentile(latencies, 50) * 1000,
           "p99": percentile(latencies, 99) * 1000}
    print(f"{name:<44} {row['rps']:>9.1f} req/s   p50 {row['p50']:>8.1f} ms   p99 {row['p99']:>8.1f} ms")
    return row


async def run_baseline(args) -> dict:
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
        [sys.executable, "-c", "import sys, uvicorn; sys.path.insert(0, 'scripts'); import bench; "
         f"uvicorn.run(bench.baseline_app(), host='127.0.0.1', port={port}, log_level='warning')"],
        cwd=ROOT)
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, what="baseline up")
        url = f"http://127.0.0.1:{port}/filings"
        await load([url] * args.warmup, {}, concurrency=args.concurrency)
        seconds, results = await load([url] * args.requests, {}, concurrency=args.concurrency)
        return report("(a) bare: insert + confirmed publish", len(results), seconds, [r[2] for r in results])
    finally:
        server.terminate()
        server.wait(timeout=15)


async def run_real(args) -> tuple[dict, dict]:
    platform = Platform(settings={}).start()
    try:
        headers, national_id = citizen(platform, 1)
        with httpx.Client(base_url=platform.gateway, timeout=60) as client:
            drafts = [cheque_claim_draft(client, headers, applicant=national_id, respondent=iranian_national_code(2))
                      for _ in range(args.warmup + args.requests)]
        urls = [f"{platform.gateway}/api/filings/{d['id']}/submit" for d in drafts]
        await load(urls[:args.warmup], headers, concurrency=args.concurrency)
        seconds, results = await load(urls[args.warmup:], headers, concurrency=args.concurrency)
        committed = report("(b) real: submit via gateway → committed (2xx)", len(results), seconds,
                           [r[2] for r in results])
        wanted = {r[0] for r in results}
        began = min(r[1] for r in results)
        done: dict[str, float] = {}
        client = mongo()
        assessments = client[platform.database("payment")]["commits"]
        deadline = time.monotonic() + 300
        while len(done) < len(wanted) and time.monotonic() < deadline:
            for filing_id in wanted - set(done):  # by _id: the look-up every MongoDB-wire server indexes
                if doc := await assessments.find_one({"_id": commit_id(f"assessment-{filing_id}", 1)}):
                    done[filing_id] = datetime.fromisoformat(doc["committed_at"]).timestamp()
            await asyncio.sleep(1)  # the clock is the commit's own time, so polling slowly costs no accuracy
        await client.close()
        assert len(done) == len(wanted), f"{len(wanted) - len(done)} filings not assessed in time"
        starts = {r[0]: r[1] for r in results}
        end_to_end = [done[f] - starts[f] for f in wanted]
        consumed = report("(b) real: … and consumed by payment", len(results), max(done.values()) - began,
                          end_to_end)
        return committed, consumed
    finally:
        platform.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=40)
    args = parser.parse_args()
    ensure_infrastructure()
    print(f"{args.requests} requests, {args.concurrency} in flight, after {args.warmup} warm-up requests\n")
    bare = await run_baseline(args)
    committed, consumed = await run_real(args)
    print()
    for row in (committed, consumed):
        print(f"ratio {row['name'][4:]:<40} throughput {row['rps'] / bare['rps']:.2f}x   "
              f"p50 {row['p50'] / bare['p50']:.1f}x   p99 {row['p99'] / bare['p99']:.1f}x  (real/bare)")


if __name__ == "__main__":
    asyncio.run(main())
