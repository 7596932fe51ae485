"""Benchmark: a court's batch of notices against a bare baseline, on the same RabbitMQ and MongoDB-wire server.

    make bench            (or: .venv/bin/python scripts/bench_notices.py --notices 100000)

(a) bare: the store and the broker with no logic: one document a notice inserted a thousand at a
    time, and one confirmed, persistent message a notice published;
(b) real: the registry, the notification service and the gateway as processes; e-boxes and cases
    prepared beforehand by bulk inserts (untimed); one batch of N notices, one per case to a party
    with an e-box, POSTed to /api/court-notices/batches as NDJSON. The clock stops when the batch is
    complete: every notice committed and deposited in its e-box, and its alert queued. A consumer
    drains the court's queue as the court would, and stands in for the filing service's dossier.
Prints `notice batch: N notices in S s`, the baseline's times, the alerts sent while it ran and the
busiest second against the rate limit (with --watch-alerts, also those sent in the seconds after it), the
most memory each service process held (sampled every half second), the CPU time each used while the batch
ran, the commits whose events the relay had still to publish when the batch completed, and the load
average. It fails unless every notice's alert was sent or is queued. Loopback only; stops its processes
by their ids and drops its databases.
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import aio_pika
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ejustice_notification.eboxes.events import EboxOpened  # noqa: E402
from ejustice_shared.commits import GENESIS, commit_hash, commit_id  # noqa: E402
from ejustice_shared.events import Envelope  # noqa: E402
from tests.support.platform import Platform, ensure_infrastructure, wait_until  # noqa: E402
from tests.support.stores import AMQP_URL, mongo  # noqa: E402

COURT = "IR-THR-CIVIL"
INSERT_BATCH = 1000
SERVICES = ("registry", "notification", "gateway")


def national_id(n: int) -> str:
    return f"9{n:09d}"


async def baseline(count: int) -> tuple[float, float]:
    """Seconds to insert `count` notice-sized documents, and to publish `count` confirmed messages."""
    client = mongo()
    database = f"bench_bare_{uuid.uuid4().hex[:8]}"
    collection = client[database]["notices"]
    body = "x" * 600
    started = time.perf_counter()
    for first in range(0, count, INSERT_BATCH):
        await collection.insert_many([{"_id": f"n-{n}", "body": body} for n in range(first, min(first + INSERT_BATCH,
                                                                                             count))], ordered=False)
    inserted = time.perf_counter() - started
    await client.drop_database(database)
    await client.close()
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.declare_exchange(f"bench-bare-{uuid.uuid4().hex[:8]}", aio_pika.ExchangeType.TOPIC,
                                              auto_delete=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "#")
    started = time.perf_counter()
    for first in range(0, count, INSERT_BATCH):
        await asyncio.gather(*(exchange.publish(aio_pika.Message(body.encode(), delivery_mode=2), routing_key="n")
                               for _ in range(first, min(first + INSERT_BATCH, count))))
    published = time.perf_counter() - started
    await queue.purge()
    await connection.close()
    return inserted, published


async def prepare(platform: Platform, count: int) -> None:
    """E-boxes and accepted cases for `count` people, stored directly in bulk (as the services would store them)."""
    client = mongo()
    db = client[platform.database("notification")]
    at = "2026-11-30T00:00:00.000000+00:00"
    for first in range(0, count, INSERT_BATCH):
        commits, cases = [], []
        for n in range(first, min(first + INSERT_BATCH, count)):
            ebox_id = f"IR-{national_id(n)}"
            opened = Envelope.wrap(EboxOpened(ebox_id=ebox_id, jurisdiction="IR", national_id=national_id(n),
                                              account_id=f"bench-account-{n}", mobile=f"+98912{n:07d}",
                                              user_code=f"{n:010d}", registered_via="online"),
                                   source="notification", subject=ebox_id).model_dump(mode="json")
            stream = f"ebox-{ebox_id}"
            actor = {"service": "bench"}
            commits.append({"_id": commit_id(stream, 1), "cause": f"bench-{n}", "stream": stream, "seq": 1,
                            "events": [opened], "prev_hash": GENESIS, "committed_at": at, "actor": actor,
                            "hash": commit_hash(stream=stream, seq=1, prev_hash=GENESIS, committed_at=at,
                                                actor=actor, events=[opened])})
            cases.append({"_id": f"{COURT}/bench-case-{n}", "court_id": COURT, "filing_id": f"bench-case-{n}",
                          "case_number": f"14059{n:07d}", "branch_id": f"{COURT}-B12", "tracking_code": f"{n:012d}",
                          "jurisdiction": "IR", "recorded_at": at, "parties": [
                              {"role": "respondent", "national_id": national_id(n), "name": f"Person {n}",
                               "city_id": "IR-THR"}]})
        await db["commits"].insert_many(commits, ordered=False)
        await db["court_cases"].insert_many(cases, ordered=False)
    await client.close()


def ndjson(count: int, run: str) -> bytes:
    line = ('{{"reference": "{run}-{n}", "kind": "summons", "filing_id": "bench-case-{n}", '
            '"hearing": {{"at": "2026-12-21T10:00:00+03:30", "branch_id": "IR-THR-CIVIL-B12", "room": "7"}}}}')
    return "\n".join(line.format(run=run, n=n) for n in range(count)).encode() + b"\n"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drain(namespace: str, stop: asyncio.Event) -> int:
    """The court reading its queue, and a stand-in for the filing service's dossier, which takes the notices'
    events (the bench's cases are not filings of its own)."""
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.get_exchange(f"{namespace}.events", ensure=False)
    dossier = await channel.declare_queue(exclusive=True)
    for pattern in ("notice.#", "paper_service.#"):
        await dossier.bind(exchange, pattern)
    court = await channel.get_queue(f"{namespace}.court.{COURT}", ensure=False)
    read = 0

    async def count(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal read
        read += 1

    for queue in (court, dossier):
        await queue.consume(count, no_ack=True)
    await stop.wait()
    await connection.close()
    return read


async def real(count: int, settings: dict[str, str], *, watch_alerts: float = 0) -> dict:
    platform = Platform(settings={"RELAY_SWEEP_SECONDS": "2", "RELAY_STALE_SECONDS": "10"})
    try:
        platform.start("registry", "notification", **settings)
        platform["gateway"].start()  # its readiness waits for all five services; its routes do not
        wait_until(lambda: httpx.get(platform.gateway + "/healthz", timeout=2).status_code == 200, timeout=180,
                   what="gateway")
        print(f"preparing {count} e-boxes and cases (untimed) ...", flush=True)
        await prepare(platform, count)
        court = platform.token(f"court-{COURT}", "court", court_id=COURT)
        body = ndjson(count, uuid.uuid4().hex[:6])
        peak = {name: 0.0 for name in SERVICES}
        stop = asyncio.Event()
        drainer = asyncio.create_task(drain(platform.namespace, stop))
        await asyncio.sleep(1)  # bound before the batch
        cpu = {name: cpu_seconds(platform[name].process.pid) for name in SERVICES}
        async with httpx.AsyncClient(base_url=platform.gateway + "/api", timeout=600) as api:
            started = time.perf_counter()
            answer = await api.post("/court-notices/batches", content=body,
                                    headers={**court, "content-type": "application/x-ndjson"})
            assert answer.status_code == 202, answer.text
            accepted = time.perf_counter() - started
            batch_id = answer.json()["batch_id"]
            last_report = 0.0
            while True:
                for name in SERVICES:
                    peak[name] = max(peak[name], rss_mb(platform[name].process.pid))
                progress = (await api.get(f"/court-notices/batches/{batch_id}", headers=court)).json()
                elapsed = time.perf_counter() - started
                if progress["status"] == "completed":
                    break
                if elapsed - last_report >= 30:
                    print(f"  {elapsed:6.0f} s: {progress['processed']} of {count} served", flush=True)
                    last_report = elapsed
                await asyncio.sleep(0.5)
        seconds = time.perf_counter() - started
        cpu = {name: cpu_seconds(platform[name].process.pid) - cpu[name] for name in SERVICES}
        load = os.getloadavg()[0]
        client = mongo()
        db = client[platform.database("notification")]
        unpublished = await db["commits_outbox"].count_documents({})
        sent = [doc["sent_at"][:19] async for doc in db["sandbox_sms"].find({}, {"sent_at": 1})]
        queued = await db["alerts_pending"].count_documents({})
        # An alert being sent as this is counted may be in both.
        assert len(sent) + queued >= count, f"{len(sent)} alerts sent and {queued} queued for {count} notices"
        after = {}
        if watch_alerts:  # the alerts sent at the full rate once the batch is complete, and the peak still
            await asyncio.sleep(watch_alerts)
            for name in SERVICES:
                peak[name] = max(peak[name], rss_mb(platform[name].process.pid))
            times = [doc["sent_at"][:19] async for doc in db["sandbox_sms"].find({}, {"sent_at": 1})]
            after = {"seconds": watch_alerts, "sent": len(times) - len(sent),
                     "busiest_second": max(Counter(times).values(), default=0)}
        stop.set()
        await drainer
        await client.close()
        busiest = max(Counter(sent).values(), default=0)
        return {"seconds": seconds, "accepted": accepted, "peak": peak, "alerts_sent": len(sent),
                "alerts_waiting": queued, "busiest_second": busiest, "rejected": progress["rejected"],
                "load": load, "unpublished": unpublished, "cpu": cpu, "after": after}
    finally:
        platform.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--alert-rate", type=float, default=200.0, help="the alert channel's rate limit, per second")
    parser.add_argument("--parallel", type=int, default=32, help="paper tasks of a chunk opened side by side")
    parser.add_argument("--chunk-lines", type=int, default=1000, help="lines stored, served and marked together")
    parser.add_argument("--watch-alerts", type=float, default=0,
                        help="seconds to go on counting the alerts sent once the batch is complete")
    args = parser.parse_args()
    ensure_infrastructure()
    load_before = os.getloadavg()[0]
    inserted, published = await baseline(args.notices)
    print(f"bare baseline: {args.notices} inserts in {inserted:.1f} s, {args.notices} confirmed publishes in "
          f"{published:.1f} s", flush=True)
    result = await real(args.notices, {"NOTIFICATION_ALERT_RATE_PER_SECOND": str(args.alert_rate),
                                       "NOTIFICATION_BATCH_PARALLEL": str(args.parallel),
                                       "NOTIFICATION_BATCH_CHUNK_LINES": str(args.chunk_lines)},
                        watch_alerts=args.watch_alerts)
    print(f"notice batch: {args.notices} notices in {result['seconds']:.1f} s "
          f"({args.notices / result['seconds']:.0f}/s; accepted with 202 after {result['accepted']:.1f} s; "
          f"{result['rejected']} rejected)")
    print(f"ratio real/bare: {result['seconds'] / (inserted + published):.1f}x the bare inserts and publishes")
    print(f"alerts: {result['alerts_sent']} sent while it ran, {result['alerts_waiting']} still queued; busiest "
          f"second {result['busiest_second']} against a limit of {args.alert_rate:.0f}/s")
    if after := result["after"]:
        print(f"alerts once it completed: {after['sent']} sent in the next {after['seconds']:.0f} s "
              f"({after['sent'] / after['seconds']:.0f}/s); busiest second of the run {after['busiest_second']}")
    print("peak memory: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in result["peak"].items()))
    print("CPU while it ran: " + ", ".join(f"{name} {s:.1f} s" for name, s in result["cpu"].items())
          + f" ({1000 * result['cpu']['notification'] / args.notices:.2f} ms of the notification service's a notice)")
    print(f"commits still to publish when it completed: {result['unpublished']}; load average then "
          f"{result['load']:.1f} (at the start {load_before:.1f})")


if __name__ == "__main__":
    asyncio.run(main())
