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
    # The outage follows the burst, not a clock: the broker stops once some filings went through,
    # and comes back once some were accepted while it was down (or the burst ended).
    under_way, enough_while_down = threading.Event(), threading.Event()

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
        if len(accepted) >= BURST // 8:
            under_way.set()
        if broker_down.is_set() and not broker_up.is_set():
            accepted_while_down.append(answer.json()["id"])
            if len(accepted_while_down) >= BURST // 16:
                enough_while_down.set()

    def outage() -> None:
        under_way.wait(timeout=120)
        rabbitmqctl("stop_app")
        broker_down.set()
        enough_while_down.wait(timeout=120)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        broker_up.set()

    breaker = threading.Thread(target=outage)
    breaker.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for n in range(BURST):
                if n == BURST // 2:  # the second half is sent once the broker is down
                    broker_down.wait(timeout=120)
                pool.submit(file_one, n)
                time.sleep(0.1)  # the burst's pace: ten filings a second
    finally:
        enough_while_down.set()  # the burst is over: the broker comes back whatever was accepted
        breaker.join()
    assert broker_down.is_set() and accepted_while_down, "the outage must fall inside the burst"
    assert len(accepted) >= BURST * 0.8, f"accepted {len(accepted)}, refused {refused}"

    async def assessed_per_filing() -> dict[str, int]:
        docs = await commits(platform.database("payment"), "assessment-")
        counts: dict[str, int] = {}
        for event in events_of(docs, "fee.assessed"):
            counts[event["data"]["filing_id"]] = counts.get(event["data"]["filing_id"], 0) + 1
        return counts

    async def assessed_all() -> bool:
        return set(accepted) <= set(await assessed_per_filing())

    await wait_for(assessed_all, timeout=120, what="every accepted filing assessed")
    counts = await assessed_per_filing()
    assert all(counts[f] == 1 for f in accepted)

    # The fee reaches every filing's dossier exactly once too.
    async def fees_recorded() -> list[str]:
        recorded = events_of(await commits(platform.database("filing")), "filing.fee_recorded")
        return [e["data"]["filing_id"] for e in recorded]

    async def recorded_all() -> bool:
        return set(await fees_recorded()) >= set(accepted)

    await wait_for(recorded_all, timeout=60, what="every fee in its dossier")
    per_filing = await fees_recorded()
    assert sorted(per_filing) == sorted(set(per_filing)) and set(per_filing) >= set(accepted)
    wait_until(lambda: httpx.get(platform.gateway + "/readyz").status_code == 200, timeout=60, what="ready again")


async def wait_for(check, *, timeout: float, what: str) -> None:
    """Poll an async condition until it holds (the event loop stays free meanwhile)."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.5)
