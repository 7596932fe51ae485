"""Benchmark: the nearest-office search over 10,000 offices, through the registry's HTTP API.

    make bench            (or: .venv/bin/python scripts/bench_offices.py --offices 10000 --requests 2000)

Fills a scratch registry database's office directory (the projection the search reads; untimed)
with offices spread over Iran, starts the registry as a process on it, then asks
GET /offices/nearest?latitude=&longitude=&limit=5 at random places, one request at a time, and
prints p50 and p99 of the answer time as the client sees it (distance, opening state and current
wait included), and of the in-memory search alone. The target is p99 <= 20 ms.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ejustice_registry.offices.geo import NearestIndex  # noqa: E402
from tests.support.platform import Platform, ensure_infrastructure  # noqa: E402
from tests.support.stores import MONGODB_URL  # noqa: E402

SHIFTS = [{"name": "morning", "opens": "07:30", "closes": "13:30"},
          {"name": "evening", "opens": "15:00", "closes": "19:00"}]
KINDS = [("independent", 3), ("single-counter", 1), ("notary-hosted", 1), ("e-government-hosted", 1)]
# Iran's extent, roughly: where the offices (and those asking) are.
LATITUDES, LONGITUDES = (25.3, 39.7), (44.0, 63.3)


def offices(count: int, rng: random.Random) -> list[dict]:
    made = []
    for n in range(count):
        kind, counters = KINDS[n % len(KINDS)]
        code = f"IR-BEN-{n:05d}"
        made.append({
            "_id": code, "seq": 2, "office_id": code, "code": code, "kind": kind, "name": f"Benchmark office {n}",
            "city_id": "IR-THR", "province_id": "IR-PROV-THR", "jurisdiction": "IR", "address": "Benchmark St.",
            "latitude": rng.uniform(*LATITUDES), "longitude": rng.uniform(*LONGITUDES), "time_zone": "Asia/Tehran",
            "shifts": SHIFTS, "serves": ["IR-THR"], "counters": [str(c) for c in range(1, counters + 1)],
            "sample": True, "status": "licensed", "handovers": [],
            "licence": [{"step": "applied", "decided_by": "bench", "reason": "bench", "decided_at": "2026-01-01"},
                        {"step": "licensed", "decided_by": "bench", "reason": "bench", "decided_at": "2026-01-01"}]})
    return made


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(p / 100 * len(ordered))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ensure_infrastructure()

    from pymongo import MongoClient

    directory = offices(args.offices, rng)
    # No daily review timer: its rounds over 10,000 offices are no part of what is measured.
    platform = Platform(settings={"REGISTRY_SAMPLE_OFFICES": "false", "REGISTRY_REVIEW_EVERY_SECONDS": "0"})
    with MongoClient(MONGODB_URL) as client:
        client[platform.database("registry")]["office_directory"].insert_many(directory)
    try:
        platform.start("registry")
        url = platform["registry"].url + "/offices/nearest"
        places = [(rng.uniform(*LATITUDES), rng.uniform(*LONGITUDES)) for _ in range(args.requests)]
        with httpx.Client(timeout=10) as http:
            assert len(http.get(url, params={"latitude": 35.7, "longitude": 51.4, "limit": 5}).json()) == 5
            for lat, lon in places[:50]:  # warm up
                http.get(url, params={"latitude": lat, "longitude": lon, "limit": 5})
            times = []
            for lat, lon in places:
                started = time.perf_counter()
                answer = http.get(url, params={"latitude": lat, "longitude": lon, "limit": 5})
                times.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
    finally:
        platform.stop()

    index = NearestIndex((o["office_id"], o["latitude"], o["longitude"]) for o in directory)
    search = []
    for lat, lon in places:
        started = time.perf_counter()
        index.nearest(lat, lon, 5)
        search.append((time.perf_counter() - started) * 1000)

    print(f"nearest-office search, {args.offices} offices, {args.requests} requests, 5 nearest each")
    print(f"  HTTP (registry, with opening state and waits): p50 {statistics.median(times):.2f} ms, "
          f"p99 {percentile(times, 99):.2f} ms, max {max(times):.2f} ms")
    print(f"  in-memory search alone:                       p50 {statistics.median(search):.3f} ms, "
          f"p99 {percentile(search, 99):.3f} ms")
    verdict = "meets" if percentile(times, 99) <= 20 else "MISSES"
    print(f"  target p99 <= 20 ms: {verdict}")


if __name__ == "__main__":
    main()
