"""RabbitMQ stops and comes back in the middle of a burst: every accepted filing is assessed exactly once."""

import asyncio
import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.journey import cheque_claim_draft, citizen
from tests.support.people import iranian_national_code
from tests.support.platform import wait_until
from tests.support.stores import commits, events_of

BURST = 80
RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("AMQP_URL")) or not os.path.exists(RABBITMQCTL),
    reason="needs the project's own RabbitMQ node to stop and start",
)


def rabbitmqctl(*args: str) -> None:
    subprocess.run([RABBITMQCTL, *args], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)


async def test_every_accepted_filing_is_assessed_once_across_a_broker_restart(fresh_platform):
    platform = fresh_platform().start()
    headers, national_id = citizen(platform, 700)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        drafts = [cheque_claim_draft(client, headers, applicant=national_id, respondent=iranian_national_code(701))
                  for _ in range(BURST)]
    accepted: list[str] = []
    refused: list[int] = []
    broker_down, broker_up = threading.Event(), threading.Event()
    accepted_while_down: list[str] = []

    def file_one(n: int) -> None:
        try:
            answer = httpx.post(f"{platform.gateway}/api/filings/{drafts[n]['id']}/submit", headers=headers, timeout=30)
        except httpx.HTTPError:
            refused.append(-1)
            return
        if not answer.is_success:
            refused.append(answer.status_code)
            return
        accepted.append(answer.json()["id"])
        if broker_down.is_set() and not broker_up.is_set():
            accepted_while_down.append(answer.json()["id"])

    def outage() -> None:
        time.sleep(1.5)
        rabbitmqctl("stop_app")
        broker_down.set()
        time.sleep(4)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        broker_up.set()

    breaker = threading.Thread(target=outage)
    breaker.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for n in range(BURST):
                pool.submit(file_one, n)
                time.sleep(0.1)
    finally:
        breaker.join()
    assert broker_down.is_set() and accepted_while_down, "the outage must fall inside the burst"
    assert len(accepted) >= BURST * 0.8, f"accepted {len(accepted)}, refused {refused}"

    async def assessed_per_filing() -> dict[str, int]:
        docs = await commits(platform.database("payment"), "assessment-")
        counts: dict[str, int] = {}
        for event in events_of(docs, "fee.assessed"):
            counts[event["data"]["filing_id"]] = counts.get(event["data"]["filing_id"], 0) + 1
        return counts

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = await assessed_per_filing()
        if set(accepted) <= set(counts):
            break
        await asyncio.sleep(0.5)
    counts = await assessed_per_filing()
    assert set(accepted) <= set(counts), f"{len(set(accepted) - set(counts))} accepted filings never assessed"
    assert all(counts[f] == 1 for f in accepted)

    # The fee reaches every filing's dossier exactly once too.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        recorded = events_of(await commits(platform.database("filing")), "filing.fee_recorded")
        if {e["data"]["filing_id"] for e in recorded} >= set(accepted):
            break
        await asyncio.sleep(0.5)
    recorded = events_of(await commits(platform.database("filing")), "filing.fee_recorded")
    per_filing = [e["data"]["filing_id"] for e in recorded]
    assert sorted(per_filing) == sorted(set(per_filing)) and set(per_filing) >= set(accepted)
    wait_until(lambda: httpx.get(platform.gateway + "/readyz").status_code == 200, timeout=60, what="ready again")
