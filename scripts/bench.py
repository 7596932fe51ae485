"""Benchmark: the real filing path against a bare baseline, both on the same RabbitMQ and MongoDB-wire server.

    make bench            (or: .venv/bin/python scripts/bench.py --requests 400 --concurrency 16)

(a) bare: a minimal FastAPI endpoint doing one insert and one confirmed publish;
(a2) gateway hop: the same bare endpoint behind the real gateway process (its token check, its proxy client),
    which forwards POST /api/filings/{id}/submit to it in place of the filing service: what the mandated hop
    alone costs. Only the gateway is started; it needs the broker and its database, no other service;
(b) submit: POST /api/filings/{id}/submit through the gateway (drafts prepared beforehand, untimed),
    until the filing is committed (2xx) and its filing.submitted published (a queue of the
    benchmark's own on the platform's exchange receives it). A submission also asks the registry
    for the competent court and claims a tracking code;
(c) at half the rate (b) reached, submissions sent at a steady pace (open loop): how long until
    payment consumed filing.submitted (the assessment's commit time ends the clock).
Prints requests/s, p50 and p99 of each, then `submit/bare throughput ratio: X`,
`submit/bare p99 ratio: Y`, `gateway-hop/bare throughput ratio: X`, `gateway-hop/bare p99 ratio: Y` and
`submit/gateway-hop throughput ratio: Z` on lines of their own. Same load and concurrency for (a), (a2), (b).
`--profile FOLDER` records py-spy profiles: the gateway and the bare app during (a2), the submission's services
during (b). Loopback only; stops by itself; ends only the processes it started and drops what it created.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
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

SUBMISSION_PATH = ("gateway", "filing", "registry", "payment")  # the services a submission sets to work
FAILURES: dict[int, int] = {}  # answers >= 400 by status: a loaded machine's registry may time out (503)
DRAFT_FAILURES: dict[int, int] = {}  # the same while the drafts are prepared (untimed)
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

    async def record(filing_id: str, body: dict) -> dict:
        await state["collection"].insert_one({"_id": filing_id, **body})
        await state["exchange"].publish(
            aio_pika.Message(filing_id.encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="filing.submitted", mandatory=True)
        return {"id": filing_id}

    @app.post("/filings", status_code=201)
    async def create(body: dict) -> dict:
        return await record(uuid.uuid4().hex, body)

    # Where the gateway forwards POST /api/filings/{id}/submit: the same work, so (a2) differs from (a) by the hop.
    @app.post("/filings/{filing_id}/submit")
    async def submit(filing_id: str, body: dict) -> dict:
        return await record(filing_id, body)

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
                if answer.status_code >= 400:  # counted and reported, not timed
                    FAILURES[answer.status_code] = FAILURES.get(answer.status_code, 0) + 1
                    continue
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


@contextlib.contextmanager
def bare_server():
    """The bare app in a process of its own, like a service: yields its base url and the process."""
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
        [sys.executable, "-c", "import sys, uvicorn; sys.path.insert(0, 'scripts'); import bench; "
         f"uvicorn.run(bench.baseline_app(), host='127.0.0.1', port={port}, log_level='warning')"],
        cwd=ROOT)
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, what="baseline up")
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()  # its lifespan drops its database on the way out
        server.wait(timeout=15)


async def run_baseline(args, url: str) -> dict:
    url += "/filings"
    await load([url] * args.warmup, {}, concurrency=args.concurrency)
    seconds, results = await load([url] * args.requests, {}, concurrency=args.concurrency)
    return report("(a) bare: insert + confirmed publish", len(results), seconds, [r[2] for r in results])


def gateway_serving(gateway) -> bool:
    """Its lifespan has finished (broker and database connected). Not /readyz: that asks the four services,
    and only the bare app stands behind this gateway."""
    if gateway.process.poll() is not None:
        raise RuntimeError(f"the gateway exited with {gateway.process.returncode}; see {gateway.log_path}")
    return httpx.get(gateway.url + "/healthz", timeout=2).status_code == 200


async def run_gateway_hop(args, bare_url: str, bare: subprocess.Popen) -> dict:
    """(a2): the real gateway, its filing upstream pointed at the bare app; the citizen's token (b) uses."""
    platform = Platform(settings={})
    gateway = platform["gateway"].start(GATEWAY_FILING_URL=bare_url)
    try:
        wait_until(lambda: gateway_serving(gateway), timeout=float(os.environ.get("EJUSTICE_READY_SECONDS", "180")),
                   what="the gateway serving")
        headers, _ = citizen(platform, 1)
        urls = [f"{platform.gateway}/api/filings/{uuid.uuid4().hex}/submit" for _ in range(args.warmup + args.requests)]
        await load(urls[:args.warmup], headers, concurrency=args.concurrency)
        profilers = (profile({"gateway-hop": gateway.process.pid, "bare-behind-gateway": bare.pid}, args.profile)
                     if args.profile else [])
        seconds, results = await load(urls[args.warmup:], headers, concurrency=args.concurrency)
        finish(profilers)
        return report("(a2) bare through the gateway process", len(results), seconds, [r[2] for r in results])
    finally:
        platform.stop()  # the gateway alone, then its namespace's queues and databases


async def drafts(platform: Platform, count: int, *, concurrency: int) -> tuple[dict, list[str]]:
    """`count` complete drafts of one citizen, made in parallel before any clock runs."""
    headers, national_id = citizen(platform, 1)
    made: list[str] = []

    def one() -> None:
        with httpx.Client(base_url=platform.gateway, timeout=60) as client:
            while len(made) < count:
                try:
                    made.append(cheque_claim_draft(client, headers, applicant=national_id,
                                                   respondent=iranian_national_code(2))["id"])
                except AssertionError as refused:  # a loaded machine's timeout: counted, and another draft made
                    status = int(str(refused).split('"status":')[1].split(",")[0]) if '"status":' in str(refused) else 0
                    DRAFT_FAILURES[status] = DRAFT_FAILURES.get(status, 0) + 1

    await asyncio.gather(*(asyncio.to_thread(one) for _ in range(concurrency)))
    return headers, made[:count]


class Published:
    """filing.submitted as the broker delivers it to a queue of the benchmark's own: filing id → arrival."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.arrived: dict[str, float] = {}
        self.wanted: set[str] = set()
        self.complete: asyncio.Event | None = None

    async def __aenter__(self) -> "Published":
        import aio_pika

        self.connection = await aio_pika.connect_robust(AMQP_URL)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "filing.submitted")

        async def arrived(message) -> None:
            self.arrived[json.loads(message.body)["subject"]] = time.time()
            await message.ack()
            self._check()

        await queue.consume(arrived)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.connection.close()

    async def all_of(self, wanted: set[str]) -> None:
        """Wait (two minutes at most) until every wanted filing's event has arrived."""
        self.wanted, self.complete = wanted, asyncio.Event()
        self._check()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.complete.wait(), 120)
        assert wanted <= set(self.arrived), f"{len(wanted - set(self.arrived))} filing.submitted not published"

    def _check(self) -> None:
        if self.complete is not None and self.wanted <= set(self.arrived):
            self.complete.set()


async def assessed(platform: Platform, wanted: set[str]) -> dict[str, float]:
    """When payment committed each filing's assessment: its commit's own time (polling costs no accuracy)."""
    done: dict[str, float] = {}
    client = mongo()
    assessments = client[platform.database("payment")]["commits"]
    deadline = time.monotonic() + 300
    while len(done) < len(wanted) and time.monotonic() < deadline:
        for filing_id in wanted - set(done):  # by _id: the look-up every MongoDB-wire server indexes
            if doc := await assessments.find_one({"_id": commit_id(f"assessment-{filing_id}", 1)}):
                done[filing_id] = datetime.fromisoformat(doc["committed_at"]).timestamp()
        await asyncio.sleep(1)
    await client.close()
    assert len(done) == len(wanted), f"{len(wanted) - len(done)} filings not assessed in time"
    return done


async def paced(urls: list[str], headers: dict, *, rate: float) -> list[tuple[str, float, float]]:
    """POST to every url at a steady `rate` a second, whatever the answers take (an open loop)."""
    results: list[tuple[str, float, float]] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=256)) as client:
        async def one(url: str) -> None:
            started = time.time()
            answer = await client.post(url, json=BODY, headers=headers)
            if answer.status_code >= 400:
                FAILURES[answer.status_code] = FAILURES.get(answer.status_code, 0) + 1
                return
            results.append((answer.json()["id"], started, time.time() - started))

        began, tasks = time.perf_counter(), []
        for n, url in enumerate(urls):
            await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(url)))
        await asyncio.gather(*tasks)
    return results


def profile(pids: dict[str, int], folder: str) -> list[subprocess.Popen]:
    """py-spy on these processes while the timed requests run: folded stacks, a file each (`name.folded`)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).parent / "py-spy")
    return [subprocess.Popen([spy, "record", "--nonblocking", "--rate", "50", "--format", "raw",  # noqa: ASYNC220
                              "-o", f"{folder}/{name}.folded", "--pid", str(pid)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()]


def finish(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its folded stacks when interrupted
        profiler.wait(timeout=60)


def started(platform: Platform) -> None:
    """Start the five services and print how long each took to be ready and its resident memory, idle."""
    began = time.monotonic()
    for service in platform.services.values():
        service.start()
    ready: dict[str, float] = {}

    def all_ready() -> bool:
        for name, service in platform.services.items():
            if name not in ready:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(service.url + "/readyz", timeout=2).status_code == 200:
                        ready[name] = time.monotonic() - began
        return len(ready) == len(platform.services)

    try:
        wait_until(all_ready, timeout=240, interval=0.05, what="the platform ready")
    except BaseException:
        platform.stop()
        raise
    time.sleep(2)  # idle: what a started service holds before any request
    for name, service in platform.services.items():
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{service.process.pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
        print(f"{name:<13} ready after {ready[name]:5.1f} s (all five started at once)   idle RSS {rss / 1024:6.1f} MB")
    print()


async def run_real(args) -> tuple[dict, dict]:
    platform = Platform(settings={})
    started(platform)
    try:
        headers, made = await drafts(platform, args.warmup + args.requests + args.paced, concurrency=8)
        urls = [f"{platform.gateway}/api/filings/{filing_id}/submit" for filing_id in made]
        async with Published(platform.namespace) as published:
            await load(urls[:args.warmup], headers, concurrency=args.concurrency)
            profilers = (profile({name: platform[name].process.pid for name in SUBMISSION_PATH}, args.profile)
                         if args.profile else [])
            seconds, results = await load(urls[args.warmup:args.warmup + args.requests], headers,
                                          concurrency=args.concurrency)
            finish(profilers)
            report("(b) submit via gateway → committed (2xx)", len(results), seconds, [r[2] for r in results])
            wanted = {r[0] for r in results}
            await published.all_of(wanted)
            began = min(r[1] for r in results)
            submit = report("(b) submit → committed and published", len(results),
                            max(published.arrived[f] for f in wanted) - began,
                            [published.arrived[f] - start for f, start, _ in results])
        rate = submit["rps"] / 2
        results = await paced(urls[args.warmup + args.requests:], headers, rate=rate)
        done = await assessed(platform, {r[0] for r in results})
        consumed = report(f"(c) at {rate:.1f}/s: filing.submitted consumed by payment", len(results),
                          max(done.values()) - min(r[1] for r in results), [done[f] - start for f, start, _ in results])
        return submit, consumed
    finally:
        platform.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--paced", type=int, default=200, help="submissions sent at half the rate reached")
    parser.add_argument("--profile", metavar="FOLDER", help="record py-spy profiles of the timed submissions there")
    args = parser.parse_args()
    ensure_infrastructure()
    print(f"{args.requests} requests, {args.concurrency} in flight, after {args.warmup} warm-up requests; "
          f"then {args.paced} at half the rate reached; load average {os.getloadavg()[0]:.1f}\n")
    with bare_server() as (bare_url, bare_process):
        bare = await run_baseline(args, bare_url)
        hop = await run_gateway_hop(args, bare_url, bare_process)
    submit, consumed = await run_real(args)
    print()
    print(f"submit/bare throughput ratio: {submit['rps'] / bare['rps']:.2f}")
    print(f"submit/bare p99 ratio: {submit['p99'] / bare['p99']:.2f}")
    print(f"gateway-hop/bare throughput ratio: {hop['rps'] / bare['rps']:.2f}")
    print(f"gateway-hop/bare p99 ratio: {hop['p99'] / bare['p99']:.2f}")
    print(f"submit/gateway-hop throughput ratio: {submit['rps'] / hop['rps']:.2f}")
    print(f"filing.submitted consumed by payment, p99 at half the rate: {consumed['p99']:.0f} ms (goal 250 ms)")
    print(f"load average after: {os.getloadavg()[0]:.1f}; failed answers (not timed): {FAILURES or 'none'}; "
          f"while preparing drafts: {DRAFT_FAILURES or 'none'}")


if __name__ == "__main__":
    asyncio.run(main())
