"""Growth benchmark: each request type's latency as the stored commits grow.

    make bench     (or: .venv/bin/python scripts/bench_growth.py --sizes 10000 100000 1000000 --rounds 20
                    [--services filing notification])

Starts the five services on databases of their own, walks one citizen journey (register, file,
pay, the court accepts, a notice arrives), then, for each size, pre-stores filler commits by
bulk inserts straight into the database (not through the services) until the `commits`
collection of each chosen service's database (all five unless --services names some) holds that
many, and times each request type through
the gateway, one request at a time: the median and the 95th percentile, in ms.

Filler commits are shaped like real ones (about 700 bytes, streams of 10). With every query
served by an index, a request's cost may grow with its own stream or answer, not with the
collection. Two baseline rows say how loaded the machine was at each size, whatever is stored: a
request the gateway answers itself, and one `_id` look-up sent straight to the store (after a
large fill, PostgreSQL's autovacuum works through the new rows for some minutes). Prints a
Markdown table. Loopback only; stops what it started.
"""

import argparse
import asyncio
import signal
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ejustice_shared import clock  # noqa: E402
from ejustice_shared.commits import commit_id  # noqa: E402
from tests.support.journey import cheque_claim_draft, ok, submit  # noqa: E402
from tests.support.people import iranian_mobile, iranian_national_code  # noqa: E402
from tests.support.platform import SERVICES, Platform, ensure_infrastructure, wait_until  # noqa: E402
from tests.support.stores import MONGODB_URL, mongo  # noqa: E402
from tests.test_journey import bearer, register  # noqa: E402

STREAM_LENGTH = 10
BATCH = 2000
COURT = "IR-THR-CIVIL"


def filler(n: int, moment: str) -> dict:
    stream, seq = f"filler-{n // STREAM_LENGTH:08d}", n % STREAM_LENGTH + 1
    events = [{"id": uuid.uuid4().hex, "type": "filler.noted", "source": "bench", "subject": stream,
               "time": moment, "data": {"text": "x" * 300}}]
    return {"_id": commit_id(stream, seq), "stream": stream, "seq": seq, "cause": uuid.uuid4().hex,
            "events": events, "prev_hash": "0" * 64, "hash": "f" * 64, "committed_at": moment,
            "actor": {"service": "bench"}}


async def fill(databases: list[str], size: int, stored: dict[str, int], inserters: int) -> float:
    """Bulk-insert filler commits until each database's commits number `size`; returns the seconds it took.

    A few inserters share the batches of every database, so the server's cores are all busy."""
    client = mongo()
    moment = clock.iso()
    batches = asyncio.Queue()
    for database in databases:
        for start in range(stored[database], size, BATCH):
            batches.put_nowait((database, start, min(size, start + BATCH)))
    started = time.monotonic()
    try:
        async def inserter() -> None:
            while not batches.empty():
                database, start, upto = batches.get_nowait()
                await client[database]["commits"].insert_many([filler(n, moment) for n in range(start, upto)],
                                                              ordered=False)

        await asyncio.gather(*(inserter() for _ in range(inserters)))
    finally:
        await client.close()
    for database in databases:
        stored[database] = max(stored[database], size)
    return time.monotonic() - started


def timed(client: httpx.Client, samples: dict[str, list[float]], name: str, method: str, url: str,
          status: int = 200, **options) -> dict:
    started = time.perf_counter()
    answer = client.request(method, url, **options)
    samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return ok(answer, status)


class Journey:
    """One citizen's filing, accepted by the court, whose notice is in the citizen's e-box."""

    def __init__(self, platform: Platform, client: httpx.Client):
        self.platform, self.client = platform, client
        seed = uuid.uuid4().int % 10**6
        self.national_id, self.respondent = iranian_national_code(seed), iranian_national_code(seed + 1)
        self.session = register(client, national_id=self.national_id, mobile=iranian_mobile(seed))
        self.headers = bearer(self.session)
        wait_until(lambda: client.get("/api/eboxes/me", headers=self.headers).json().get("user_code"),
                   timeout=30, what="the e-box")
        draft = cheque_claim_draft(client, self.headers, applicant=self.national_id, respondent=self.respondent)
        # A registry still warming up on a busy machine answers 503 "try again shortly"; so does this client.
        self.filing_id = wait_until(lambda: submit(client, self.headers, draft["id"])["id"], timeout=60,
                                    interval=1, what="the submission")
        wait_until(lambda: ok(client.get(f"/api/filings/{self.filing_id}", headers=self.headers))["fee"],
                   timeout=60, what="the fee")
        payment = ok(client.post("/api/payments", json={"filing_id": self.filing_id},
                                 headers=self.headers | {"idempotency-key": f"pay-{self.filing_id}"}), 201)
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={"outcome": "paid"}), 202)
        wait_until(lambda: ok(client.get(f"/api/filings/{self.filing_id}", headers=self.headers))["status"]
                   == "forwarded", timeout=60, what="forwarding")
        self.renew()
        ok(client.post(f"/api/court/filings/{self.filing_id}/accept", headers=self.court,
                       json={"case_number": "140509981234", "branch_id": f"{COURT}-B12"}))
        notices = wait_until(lambda: ok(client.get("/api/notices", headers=self.headers)), timeout=60,
                             what="the notice")
        self.notice_id = notices[0]["notice_id"]

    def renew(self) -> None:
        """Fresh tokens for the citizen and the court: a large fill outlasts an access token."""
        if hasattr(self, "court"):
            self.session = ok(self.client.post("/api/auth/refresh",
                                               json={"refresh_token": self.session["refresh_token"]}))
            self.headers = bearer(self.session)
        token = ok(self.client.post("/api/auth/court-token", json={"client_id": f"court-{COURT}",
                                                                   "client_secret": f"dev-secret-{COURT}"}))
        self.court = {"authorization": f"Bearer {token['access_token']}"}


def measure(client: httpx.Client, journey: Journey, rounds: int, filing_db: str) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}
    store = MongoClient(MONGODB_URL)[filing_db]["commits"]
    drafts = [cheque_claim_draft(client, journey.headers, applicant=journey.national_id,
                                 respondent=journey.respondent) for _ in range(rounds)]
    filing, me, court = f"/api/filings/{journey.filing_id}", journey.headers, journey.court
    for n, draft in enumerate(drafts):
        seed = uuid.uuid4().int % 10**6
        timed(client, samples, "registration (start)", "POST", "/api/registrations", 201, json={
            "jurisdiction": "IR", "national_id": iranian_national_code(seed),
            "mobile": "0" + iranian_mobile(seed).removeprefix("+98")})
        timed(client, samples, "draft edit (statement)", "PUT", f"/api/filings/{draft['id']}/statement", headers=me,
              json={"statement": f"The respondent's cheque bounced; round {n}."})
        timed(client, samples, "submission", "POST", f"/api/filings/{draft['id']}/submit", headers=me)
        timed(client, samples, "filing read", "GET", filing, headers=me)
        timed(client, samples, "dossier read", "GET", f"{filing}/dossier", headers=me)
        timed(client, samples, "dossier verify", "GET", f"{filing}/dossier/verify", headers=me)
        timed(client, samples, "notice read", "GET", f"/api/notices/{journey.notice_id}", headers=me)
        timed(client, samples, "court inbox", "GET", "/api/court/filings", headers=court)
        # Baselines: how loaded the machine is at this size, whatever the collections hold.
        timed(client, samples, "baseline: the gateway, no store", "GET", "/healthz")
        started = time.perf_counter()
        store.find_one({"_id": commit_id(f"filing-{journey.filing_id}", 1)})
        samples.setdefault("baseline: one _id look-up, straight to the store", []).append(
            (time.perf_counter() - started) * 1000)
    store.database.client.close()
    return samples


def table(results: dict[int, dict[str, list[float]]], rounds: int) -> None:
    names = list(next(iter(results.values())))
    print(f"\n{rounds} requests of each type, one at a time; ms, median / 95th percentile\n")
    print("| request | " + " | ".join(f"{size:,} commits" for size in results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        cells = []
        for samples in results.values():
            values = sorted(samples[name])
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            cells.append(f"{statistics.median(values):.1f} / {p95:.1f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--services", nargs="+", choices=SERVICES, default=list(SERVICES),
                        help="whose databases get the filler commits (default: all five)")
    parser.add_argument("--inserters", type=int, help="bulk inserts in flight at once (default: one per database)")
    args = parser.parse_args()
    # A stopped run still stops its services and drops its databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_infrastructure()
    platform = Platform(settings={}).start()
    try:
        databases = [platform.database(name) for name in args.services]
        stored = dict.fromkeys(databases, 0)
        results: dict[int, dict[str, list[float]]] = {}
        with httpx.Client(base_url=platform.gateway, timeout=60) as client:
            journey = Journey(platform, client)
            for size in sorted(args.sizes):
                seconds = asyncio.run(fill(databases, size, stored, args.inserters or len(databases)))
                print(f"{size:,} filler commits in each of {len(databases)} databases: stored in {seconds:.0f} s",
                      file=sys.stderr, flush=True)
                journey.renew()
                results[size] = measure(client, journey, args.rounds, platform.database("filing"))
                table(results, args.rounds)  # after each size, so that a long run shows what it has
    finally:
        platform.stop()


if __name__ == "__main__":
    main()
