"""Every rial accounted for: the fee cases end to end through the gateway and the five services as processes.

A zero fee goes straight to the court; a corrected filing with another claim is assessed again
(the difference paid before it goes back, an excess refunded); money taken twice is flagged and
refunded through the provider; a pending payment expires and its late "paid" callback is refunded;
the daily reconciliation finds each kind of disagreement with the provider's settlement file.
After each case the filing's ledger balances: assessed = collected - refunded.
"""

import os
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.support.journey import PDF, cheque_claim_draft, citizen, ok, submit
from tests.support.platform import ROOT, Platform, wait_until

COURT = "IR-THR-CIVIL"
# 3.5 % of the claim (IR-CIVIL-FINANCIAL version 2), kept within 1,000,000..3,000,000,000 IRR.
FEE_OF_500M, FEE_OF_1000M, FEE_OF_200M = 17_500_000, 35_000_000, 7_000_000


def problem_type(answer: httpx.Response) -> str:
    return answer.json()["type"].rsplit("/", 1)[-1]


class Money:
    """A citizen and what they do with a filing's fee, through the gateway."""

    def __init__(self, platform: Platform, client: httpx.Client, seed: int):
        self.platform, self.client = platform, client
        self.headers, self.national_id = citizen(platform, seed)
        self.operator = platform.token("operator-money", "operator")
        self.court = platform.token(f"court-{COURT}", "court", court_id=COURT)

    def filing(self, filing_id: str) -> dict:
        return ok(self.client.get(f"/api/filings/{filing_id}", headers=self.headers))

    def status_is(self, filing_id: str, status: str) -> dict:
        return wait_until(lambda: (f := self.filing(filing_id))["status"] == status and f, timeout=30,
                          what=f"filing {status}")

    def submitted_cheque_claim(self, amount: int = 500_000_000) -> str:
        respondent = citizen(self.platform, uuid.uuid4().int % 10**6)[1]
        draft = cheque_claim_draft(self.client, self.headers, applicant=self.national_id, respondent=respondent,
                                   amount=amount)
        submit(self.client, self.headers, draft["id"])
        wait_until(lambda: self.filing(draft["id"])["fee"], timeout=30, what="the fee")
        return draft["id"]

    def request_payment(self, filing_id: str) -> dict:
        return ok(self.client.post("/api/payments", json={"filing_id": filing_id},
                                   headers=self.headers | {"idempotency-key": uuid.uuid4().hex}), 201)

    def pay(self, payment_id: str, **misbehaviour) -> dict:
        return ok(self.client.post(f"/api/payments/sandbox/{payment_id}/pay",
                                   json={"outcome": "paid", **misbehaviour}), 202)

    def payment(self, payment_id: str) -> dict:
        return ok(self.client.get(f"/api/payments/{payment_id}", headers=self.headers))

    def ledger(self, filing_id: str, headers: dict | None = None) -> dict:
        return ok(self.client.get(f"/api/payments/ledgers/{filing_id}", headers=headers or self.headers))

    def settled_ledger(self, filing_id: str) -> dict:
        """The ledger once no refund is outstanding: then it must balance."""
        return wait_until(lambda: (led := self.ledger(filing_id))["refund_pending"]["amount"] == 0 and led,
                          timeout=30, what="refunds confirmed")

    def dossier_types(self, filing_id: str) -> list[str]:
        log = ok(self.client.get(f"/api/filings/{filing_id}/dossier", headers=self.headers))
        return [e["data"].get("event_type", e["type"]) if e["type"] == "filing.noted" else e["type"]
                for entry in log for e in entry["events"]]

    def dossier_has(self, filing_id: str, *types: str) -> list[str]:
        return wait_until(lambda: set(types) <= set(found := self.dossier_types(filing_id)) and found, timeout=30,
                          what=f"dossier entries {types}")

    def court_returns(self, filing_id: str) -> None:
        ok(self.client.post(f"/api/court/filings/{filing_id}/return", headers=self.court,
                            json={"reasons": [{"code": "unsigned"}]}))
        self.status_is(filing_id, "returned")

    def verify_receipt(self, receipt_number: str, verification_code: str) -> dict:
        return ok(self.client.get("/api/receipts/verify", params={"receipt_number": receipt_number,
                                                                   "verification_code": verification_code}))


def balances(ledger: dict, *, assessed: int, collected: int, refunded: int) -> bool:
    assert (ledger["assessed"]["amount"], ledger["collected"]["amount"], ledger["refunded"]["amount"]) == (
        assessed, collected, refunded), ledger
    assert ledger["balanced"] is True and ledger["due"]["amount"] == 0, ledger
    return assessed == collected - refunded


@pytest.fixture
def money(platform):
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        yield Money(platform, client, uuid.uuid4().int % 10**6)


def test_a_zero_fee_brief_goes_to_the_court_at_once_with_no_fee_due(money):
    draft = ok(money.client.post("/api/filings", headers=money.headers, json={
        "subject_code": "case-brief", "jurisdiction": "IR", "case_number": "140509981234", "case_court_id": COURT}),
        201)
    base = f"/api/filings/{draft['id']}"
    ok(money.client.put(base + "/parties", headers=money.headers, json={"parties": [
        {"role": "applicant", "national_id": money.national_id, "name": "Maryam Ahmadi", "city_id": "IR-ABK"}]}))
    ok(money.client.put(base + "/statement", headers=money.headers, json={"statement": "Further evidence."}))
    ok(money.client.post(base + "/documents", headers=money.headers, data={"document_type": "identity-document"},
                         files={"file": ("id.pdf", PDF, "application/pdf")}), 201)
    submit(money.client, money.headers, draft["id"])

    forwarded = money.status_is(draft["id"], "forwarded")
    assert forwarded["fee"]["amount"]["amount"] == 0 and forwarded["payment"] is None
    types = money.dossier_has(draft["id"], "filing.no_fee_due")
    assert types.index("filing.no_fee_due") < types.index("filing.forwarded")
    refused = money.client.post("/api/payments", json={"filing_id": draft["id"]},
                                headers=money.headers | {"idempotency-key": "zero"})
    assert refused.status_code == 409 and problem_type(refused) == "no-fee-due"
    assert ok(money.client.get(f"/api/court/filings/{draft['id']}", headers=money.court))["id"] == draft["id"]
    assert balances(money.ledger(draft["id"]), assessed=0, collected=0, refunded=0)


def test_a_corrected_claim_is_assessed_again_the_difference_paid_and_an_excess_refunded(money):
    filing_id = money.submitted_cheque_claim(500_000_000)
    first = money.request_payment(filing_id)
    assert first["amount"]["amount"] == FEE_OF_500M
    money.pay(first["payment_id"])
    money.status_is(filing_id, "forwarded")

    # The court returns it; the filer doubles the claim: the fee doubles, the difference is to pay.
    money.court_returns(filing_id)
    ok(money.client.put(f"/api/filings/{filing_id}/claim", headers=money.headers,
                        json={"claim": {"amount": 1_000_000_000, "currency": "IRR"}}))
    assert submit(money.client, money.headers, filing_id)["status"] == "submitted"
    reassessed = wait_until(lambda: (f := money.filing(filing_id))["fee"]["amount"]["amount"] == FEE_OF_1000M and f,
                            timeout=30, what="the fee assessed again")
    assert reassessed["fee"]["due"]["amount"] == FEE_OF_1000M - FEE_OF_500M
    assert money.filing(filing_id)["status"] == "submitted"  # not back at the court before the difference is paid
    assert money.ledger(filing_id)["due"]["amount"] == FEE_OF_1000M - FEE_OF_500M

    difference = money.request_payment(filing_id)
    assert difference["amount"]["amount"] == FEE_OF_1000M - FEE_OF_500M
    money.pay(difference["payment_id"])
    money.status_is(filing_id, "forwarded")
    assert balances(money.settled_ledger(filing_id), assessed=FEE_OF_1000M, collected=FEE_OF_1000M, refunded=0)

    # Returned again, the claim lowered: it goes back at once, and the excess is refunded with a receipt.
    money.court_returns(filing_id)
    ok(money.client.put(f"/api/filings/{filing_id}/claim", headers=money.headers,
                        json={"claim": {"amount": 200_000_000, "currency": "IRR"}}))
    submit(money.client, money.headers, filing_id)
    money.status_is(filing_id, "forwarded")
    money.dossier_has(filing_id, "filing.no_fee_due", "payment.refund_requested", "payment.refunded")
    ledger = money.settled_ledger(filing_id)
    assert balances(ledger, assessed=FEE_OF_200M, collected=FEE_OF_1000M, refunded=FEE_OF_1000M - FEE_OF_200M)
    refunds = [e for e in ledger["entries"] if e["kind"] == "refunded"]
    assert {e["reason"] for e in refunds} == {"fee-lowered"}
    assert sum(e["amount"]["amount"] for e in refunds) == FEE_OF_1000M - FEE_OF_200M


def test_money_taken_twice_for_one_fee_is_flagged_and_refunded_through_the_provider(money):
    filing_id = money.submitted_cheque_claim()
    payment = money.request_payment(filing_id)
    # The payer presses Pay twice before the provider calls back: the provider takes the money twice.
    first = money.pay(payment["payment_id"], callback="hold")
    second = money.pay(payment["payment_id"], callback="hold")
    delivered = ok(money.client.post(f"/api/payments/sandbox/{payment['payment_id']}/deliver"))
    assert set(delivered["delivered"]) == {first["provider_reference"], second["provider_reference"]}

    money.status_is(filing_id, "forwarded")
    money.dossier_has(filing_id, "filing.paid", "payment.refund_requested", "payment.refunded")
    ledger = money.settled_ledger(filing_id)
    assert balances(ledger, assessed=FEE_OF_500M, collected=2 * FEE_OF_500M, refunded=FEE_OF_500M)
    (flagged,) = [e for e in ledger["entries"] if e["kind"] == "collected-beyond-fee"]
    (refunded,) = [e for e in ledger["entries"] if e["kind"] == "refunded"]
    assert flagged["reference"] in {first["provider_reference"], second["provider_reference"]}
    assert refunded["reason"] == "paid-twice" and refunded["amount"]["amount"] == FEE_OF_500M
    read = money.payment(payment["payment_id"])
    assert read["status"] == "paid" and len(read["refunds"]) == 1
    assert read["receipt"]["provider_reference"] != flagged["reference"]

    # The refund has its own receipt, in the dossier by number; its code only in the payer's ledger.
    dossier = ok(money.client.get(f"/api/filings/{filing_id}/dossier", headers=money.headers))
    (noted,) = [e["data"]["summary"] for entry in dossier for e in entry["events"]
                if e["type"] == "filing.noted" and e["data"]["event_type"] == "payment.refunded"]
    assert noted["receipt_number"] == refunded["receipt_number"] and "verification_code" not in noted
    verified = money.verify_receipt(refunded["receipt_number"], refunded["verification_code"])
    assert verified == {"valid": True, "kind": "refund", "filing_id": filing_id, "amount": refunded["amount"],
                        "paid_at": refunded["at"]}
    assert money.verify_receipt(refunded["receipt_number"], "00000000") == {"valid": False}
    # Only the payer and operators see the ledger.
    assert money.ledger(filing_id, money.operator)["balanced"] is True
    stranger = citizen(money.platform, uuid.uuid4().int % 10**6)[0]
    assert money.client.get(f"/api/payments/ledgers/{filing_id}", headers=stranger).status_code == 404


def test_a_pending_payment_expires_and_its_late_paid_callback_is_refunded(fresh_platform):
    platform = fresh_platform()
    platform.start(PAYMENT_PENDING_TTL_SECONDS="2", PAYMENT_SWEEP_SECONDS="0.3")
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        money = Money(platform, client, uuid.uuid4().int % 10**6)
        filing_id = money.submitted_cheque_claim()
        late = money.request_payment(filing_id)
        held = money.pay(late["payment_id"], callback="hold")  # the provider takes the money, its callback lags
        expired = wait_until(lambda: (p := money.payment(late["payment_id"]))["status"] == "expired" and p,
                             timeout=30, what="the payment to expire")
        assert expired["expired_at"] >= expired["expires_at"] and expired["pay_url"] is None
        money.dossier_has(filing_id, "payment.expired")
        assert money.filing(filing_id)["status"] == "submitted"

        # The payer pays again with a new request; then the provider's late "paid" for the first one arrives.
        again = money.request_payment(filing_id)
        money.pay(again["payment_id"])
        money.status_is(filing_id, "forwarded")
        ok(client.post(f"/api/payments/sandbox/{late['payment_id']}/deliver"))
        money.dossier_has(filing_id, "payment.refund_requested", "payment.refunded")
        ledger = money.settled_ledger(filing_id)
        assert balances(ledger, assessed=FEE_OF_500M, collected=2 * FEE_OF_500M, refunded=FEE_OF_500M)
        (flagged,) = [e for e in ledger["entries"] if e["kind"] == "collected-beyond-fee"]
        assert (flagged["payment_id"], flagged["reference"]) == (late["payment_id"], held["provider_reference"])
        assert {e["reason"] for e in ledger["entries"] if e["kind"] == "refunded"} == {"paid-after-expiry"}
        assert money.payment(late["payment_id"])["status"] == "expired"
        assert money.payment(again["payment_id"])["status"] == "paid"


def metric(platform: Platform, name: str, kind: str) -> float:
    text = httpx.get(platform["payment"].url + "/metrics", timeout=10).text
    line = next((x for x in text.splitlines() if x.startswith(f'{name}{{kind="{kind}"}}')), None)
    return float(line.rsplit(" ", 1)[1]) if line else 0.0


def test_the_reconciliation_finds_each_kind_of_mismatch_once(money):
    platform = money.platform
    cases = {}
    for case, misbehaviour in {"matched": {}, "missing-at-provider": {"settlement": "omit"},
                               "amount-differs": {"settled_amount": 1}, "missing-here": {"callback": "hold"}}.items():
        filing_id = money.submitted_cheque_claim()
        payment = money.request_payment(filing_id)
        paid = money.pay(payment["payment_id"], **misbehaviour)
        if case != "missing-here":  # its callback never comes: the provider has the money, we have no record
            money.status_is(filing_id, "forwarded")
        cases[case] = {"filing_id": filing_id, "payment_id": payment["payment_id"],
                       "reference": paid["provider_reference"]}
    before = {kind: metric(platform, "payment_reconciliation_mismatches_total", kind) for kind in cases}
    day = next(e["at"][:10] for e in money.ledger(cases["matched"]["filing_id"])["entries"] if e["kind"] == "collected")

    refused = money.client.post("/api/payments/reconciliations", json={"day": day}, headers=money.headers)
    assert refused.status_code == 403
    report = ok(money.client.post("/api/payments/reconciliations", json={"day": day}, headers=money.operator))
    found = {m["reference"]: m for m in report["mismatches"]}
    assert cases["matched"]["reference"] not in found
    for kind in ("missing-at-provider", "amount-differs", "missing-here"):
        mismatch = found[cases[kind]["reference"]]
        assert (mismatch["kind"], mismatch["payment_id"], mismatch["filing_id"]) == (
            kind, cases[kind]["payment_id"], cases[kind]["filing_id"]), mismatch
    assert found[cases["amount-differs"]["reference"]]["amount_there"]["amount"] == 1
    assert found[cases["amount-differs"]["reference"]]["amount_here"]["amount"] == FEE_OF_500M
    assert report["matched"] >= 1 and report["unreadable_rows"] == []

    # Each mismatch is an event (it reaches the filing's dossier) and a metric, once however often it is run.
    for kind in ("missing-at-provider", "amount-differs", "missing-here"):
        money.dossier_has(cases[kind]["filing_id"], "payment.reconciliation_mismatch")
        assert metric(platform, "payment_reconciliation_mismatches_total", kind) >= before[kind] + 1
    after = {kind: metric(platform, "payment_reconciliation_mismatches_total", kind) for kind in cases}
    again = ok(money.client.post("/api/payments/reconciliations", json={"day": day}, headers=money.operator))
    assert {m["reference"] for m in again["mismatches"]} >= {cases[k]["reference"] for k in after if k != "matched"}
    assert {kind: metric(platform, "payment_reconciliation_mismatches_total", kind) for kind in cases} == after
    assert money.dossier_types(cases["amount-differs"]["filing_id"]).count("payment.reconciliation_mismatch") == 1
    read = ok(money.client.get(f"/api/payments/reconciliations/{day}", headers=money.operator))
    assert read["reconciled_at"] == again["reconciled_at"]

    # The same, on demand from a shell, against the same database: it reports and exits 2 for mismatches.
    env = {**os.environ, **platform["payment"].env}
    shell = subprocess.run([sys.executable, "-m", "ejustice_payment.reconciliation", "--day", day],
                           capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert shell.returncode == 2, shell.stderr
    assert cases["missing-here"]["reference"] in shell.stdout

    future = money.client.post("/api/payments/reconciliations", json={"day": "2999-01-01"}, headers=money.operator)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "day"
