"""The database crashes in the middle of a burst of submissions: nothing answered 2xx is lost.

PostgreSQL under DocumentDB is stopped as a crash would stop it (`pg_ctl -m immediate`: no
shutdown checkpoint, recovery from the write-ahead log at start) while citizens submit
drafts through the gateway, and started again. Every submission that was answered 2xx
must be in the filing's stream afterwards and reach the payment service, assessed once.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.journey import cheque_claim_draft, citizen
from tests.support.people import iranian_national_code
from tests.support.platform import wait_until
from tests.support.stores import commits, crash_postgres, events_of, own_documentdb, start_postgres

BURST = 60

pytestmark = pytest.mark.skipif(not own_documentdb(), reason="needs this checkout's own DocumentDB to crash")


async def until(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := await check()) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert found, f"timed out waiting for {what}"
    return found


async def test_a_database_crash_loses_no_answered_submission(fresh_platform):
    platform = fresh_platform().start()
    headers, national_id = citizen(platform, 800)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        drafts = [cheque_claim_draft(client, headers, applicant=national_id, respondent=iranian_national_code(801))
                  for _ in range(BURST)]
    accepted: list[str] = []
    refused: list[int] = []
    crashed, restarted = threading.Event(), threading.Event()
    sent_after_crash: list[int] = []

    def submit(n: int) -> None:
        if crashed.is_set():
            sent_after_crash.append(n)
        try:
            answer = httpx.post(f"{platform.gateway}/api/filings/{drafts[n]['id']}/submit", headers=headers,
                                timeout=90)
        except httpx.HTTPError:
            refused.append(-1)
            return
        if answer.is_success:
            accepted.append(answer.json()["id"])
        else:
            refused.append(answer.status_code)

    def crash() -> None:
        time.sleep(1.0)
        crash_postgres()
        crashed.set()
        time.sleep(3)
        start_postgres()
        restarted.set()

    breaker = threading.Thread(target=crash)
    breaker.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for n in range(BURST):
                pool.submit(submit, n)
                time.sleep(0.1)
    finally:
        breaker.join()
    assert restarted.is_set() and sent_after_crash, "the crash must fall inside the burst"
    assert accepted, f"nothing was accepted; refused {refused}"

    async def submitted() -> set[str]:
        docs = await commits(platform.database("filing"), "filing-")
        return {e["data"]["filing_id"] for e in events_of(docs, "filing.submitted")}

    stored = await submitted()
    assert set(accepted) <= stored, f"answered 2xx but not stored: {sorted(set(accepted) - stored)}"

    async def assessed() -> dict[str, int]:
        counts: dict[str, int] = {}
        for event in events_of(await commits(platform.database("payment"), "assessment-"), "fee.assessed"):
            counts[event["data"]["filing_id"]] = counts.get(event["data"]["filing_id"], 0) + 1
        return counts if set(accepted) <= set(counts) else {}

    counts = await until(assessed, timeout=120, what="every accepted filing assessed")
    assert all(counts[f] == 1 for f in accepted)
    wait_until(lambda: httpx.get(platform.gateway + "/readyz").status_code == 200, timeout=60, what="ready again")
