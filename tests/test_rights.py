"""The filer's rights: only the filer, a clerk on their behalf or their attorney changes a filing;
the other parties see it once the court has accepted it, never before.
"""


import httpx
import jwt

from tests.support.journey import PDF, cheque_claim_draft, citizen, filing, ok, submit
from tests.support.people import iranian_national_code, seed
from tests.support.platform import wait_until

PROBLEM = "application/problem+json"
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
STATEMENT = {"statement": "Rewritten by someone who is not the filer."}


def subject_of(headers: dict) -> str:
    return jwt.decode(headers["authorization"].split()[1], options={"verify_signature": False})["sub"]


def dossier(client: httpx.Client, headers: dict, filing_id: str) -> list[dict]:
    return ok(client.get(f"/api/filings/{filing_id}/dossier", headers=headers))


def entries_with(log: list[dict], event_type: str) -> list[dict]:
    return [entry for entry in log if any(e["type"] == event_type for e in entry["events"])]


def refused(answer: httpx.Response, status: int, kind: str) -> dict:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["type"].endswith("/" + kind), body
    return body


def attempts_to_change(client: httpx.Client, headers: dict, filing_id: str, **language) -> list[httpx.Response]:
    """Every change a filer can make, tried by someone else."""
    headers = headers | language
    base = f"/api/filings/{filing_id}"
    return [
        client.put(base + "/statement", headers=headers, json=STATEMENT),
        client.put(base + "/claim", headers=headers, json={"claim": {"amount": 1, "currency": "IRR"}}),
        client.put(base + "/parties", headers=headers, json={"parties": [
            {"role": "applicant", "national_id": iranian_national_code(1), "name": "Someone Else",
             "city_id": "IR-ABK"}]}),
        client.post(base + "/documents", headers=headers, data={"document_type": "cheque"},
                    files={"file": ("forged.pdf", PDF + b"%forged\n", "application/pdf")}),
        client.post(base + "/submit", headers=headers),
        client.post(base + "/attorneys", headers=headers, json={"bar_number": "4242"}),
    ]


def reads(client: httpx.Client, headers: dict, filing: dict) -> list[httpx.Response]:
    base = f"/api/filings/{filing['id']}"
    return [client.get(base, headers=headers), client.get(base + "/dossier", headers=headers),
            client.get(base + "/dossier/verify", headers=headers),
            client.get(f"{base}/documents/{filing['documents'][0]['document_id']}", headers=headers)]


def listed(client: httpx.Client, headers: dict) -> set[str]:
    return {f["id"] for f in ok(client.get("/api/filings", headers=headers))}


def pay_and_forward(client: httpx.Client, headers: dict, filing_id: str) -> None:
    wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=headers))["fee"], what="the fee")
    payment = ok(client.post("/api/payments", json={"filing_id": filing_id},
                             headers=headers | {"idempotency-key": f"pay-{filing_id}"}), 201)
    ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={"outcome": "paid"}), 202)
    wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=headers))["status"] == "forwarded",
               what="forwarding to the court")


def test_other_parties_neither_change_nor_see_the_filing_until_the_court_accepts_it(platform, client):
    n = seed()
    filer, filer_id = citizen(platform, n)
    respondent, respondent_id = citizen(platform, n + 1)
    co_applicant, co_applicant_id = citizen(platform, n + 2)
    draft = cheque_claim_draft(client, filer, applicant=filer_id, respondent=respondent_id)
    filing_id = draft["id"]
    draft = ok(client.put(f"/api/filings/{filing_id}/parties", headers=filer, json={"parties": [
        {"role": "applicant", "national_id": filer_id, "name": "Maryam Ahmadi", "city_id": "IR-ABK"},
        {"role": "applicant", "national_id": co_applicant_id, "name": "Sara Ahmadi", "city_id": "IR-ABK"},
        {"role": "respondent", "national_id": respondent_id, "name": "Reza Karimi", "city_id": "IR-THR"}]}))
    before = dossier(client, filer, filing_id)

    # A draft: the parties it names may not read it, nor change it; both answers are "no such filing".
    for party in (respondent, co_applicant):
        for answer in reads(client, party, draft) + attempts_to_change(client, party, filing_id):
            refused(answer, 404, "filing-not-found")
        assert filing_id not in listed(client, party)
    persian = refused(client.get(f"/api/filings/{filing_id}", headers=respondent | {"accept-language": "fa"}),
                      404, "filing-not-found")
    assert persian["title"] == "پرونده پیدا نشد"
    assert dossier(client, filer, filing_id) == before

    # The filer changes and submits it; on its way to the court it is still no business of the others.
    ok(client.put(f"/api/filings/{filing_id}/statement", headers=filer,
                  json={"statement": "The respondent's cheque bounced; I ask for the amount and the costs."}))
    submitted = submit(client, filer, filing_id)
    court = platform.token("court-thr", "court", court_id="IR-THR-CIVIL")
    refused(client.get(f"/api/court/filings/{filing_id}", headers=court), 404, "filing-not-found")
    pay_and_forward(client, filer, filing_id)
    for answer in reads(client, respondent, submitted) + attempts_to_change(client, respondent, filing_id):
        refused(answer, 404, "filing-not-found")
    assert filing_id not in listed(client, respondent)

    ok(client.post(f"/api/court/filings/{filing_id}/accept", headers=court,
                   json={"case_number": f"1405{n:08d}", "branch_id": "IR-THR-CIVIL-B12"}))

    # A case now: every party reads the filing, its documents and its dossier, and finds it among theirs.
    for party in (respondent, co_applicant):
        assert all(answer.status_code == 200 for answer in reads(client, party, submitted))
        assert filing_id in listed(client, party)
    length = len(dossier(client, filer, filing_id))
    # Seeing is not changing: 403, told in the reader's language; nothing is written.
    for answer in attempts_to_change(client, respondent, filing_id, **{"accept-language": "vi"}):
        body = refused(answer, 403, "not-the-filer")
        assert body["title"] == "Chỉ người nộp hồ sơ được làm việc này"
    assert len(dossier(client, filer, filing_id)) == length
    stranger, _ = citizen(platform, n + 3)
    for answer in reads(client, stranger, submitted):
        refused(answer, 404, "filing-not-found")


def test_a_clerk_acting_on_behalf_of_the_filer_changes_the_filing_and_the_dossier_says_so(platform, client):
    n = seed()
    filer, filer_id = citizen(platform, n)
    draft = cheque_claim_draft(client, filer, applicant=filer_id, respondent=iranian_national_code(n + 1))
    filing_id, account = draft["id"], subject_of(filer)
    on_behalf = platform.token(f"clerk-{n}", "clerk", office_id="office-abarkuh-1", on_behalf_of=account)
    for_someone_else = platform.token(f"clerk-{n}", "clerk", office_id="office-abarkuh-1",
                                      on_behalf_of=subject_of(citizen(platform, n + 2)[0]))
    own = platform.token(f"clerk-{n}", "clerk", office_id="office-abarkuh-1")

    for clerk in (for_someone_else, own):
        for answer in attempts_to_change(client, clerk, filing_id):
            refused(answer, 404, "filing-not-found")
    assert filing_id in listed(client, on_behalf) and filing_id not in listed(client, own)

    ok(client.put(f"/api/filings/{filing_id}/statement", headers=on_behalf,
                  json={"statement": "Written at the office counter, read back to the filer."}))
    ok(client.post(f"/api/filings/{filing_id}/documents", headers=on_behalf, data={"document_type": "cheque"},
                   files={"file": ("cheque-at-office.pdf", PDF + b"%office\n", "application/pdf")}), 201)
    unconfirmed = client.post(f"/api/filings/{filing_id}/submit", headers=on_behalf)
    assert unconfirmed.status_code == 403 and unconfirmed.json()["type"].endswith("/citizen-confirmation-required")
    confirmed = platform.token(f"clerk-{n}", "clerk", office_id="office-abarkuh-1", on_behalf_of=account,
                               confirmed_filing=filing_id)  # as the citizen's one-time code gives it
    submitted = submit(client, confirmed, filing_id)
    assert submitted["status"] == "submitted"

    log = dossier(client, filer, filing_id)
    for event_type in ("filing.statement_set", "filing.document_added", "filing.submitted"):
        actor = entries_with(log, event_type)[-1]["actor"]
        assert (actor["subject"], actor["on_behalf_of"], actor["office_id"]) == (
            f"clerk-{n}", account, "office-abarkuh-1"), event_type
    assert entries_with(log, "filing.opened")[0]["actor"]["on_behalf_of"] is None


def test_a_lawyer_with_power_of_attorney_changes_and_submits_the_filing(platform, client):
    n = seed()
    filer, filer_id = citizen(platform, n)
    draft = cheque_claim_draft(client, filer, applicant=filer_id, respondent=iranian_national_code(n + 1))
    filing_id, account = draft["id"], subject_of(filer)
    bar_number = str(10_000 + n)
    lawyer = platform.token(f"lawyer-{n}", "lawyer", bar_number=bar_number, jurisdiction="IR")
    refused(client.get(f"/api/filings/{filing_id}", headers=lawyer), 404, "filing-not-found")

    # The filer names the lawyer by bar number, typed with Persian digits.
    granted = ok(client.post(f"/api/filings/{filing_id}/attorneys", headers=filer,
                             json={"bar_number": bar_number.translate(PERSIAN)}), 201)
    assert granted["bar_number"] == bar_number
    again = ok(client.post(f"/api/filings/{filing_id}/attorneys", headers=filer, json={"bar_number": bar_number}), 201)
    assert again["grant_id"] == granted["grant_id"]  # granting twice grants once

    assert filing_id in listed(client, lawyer)
    ok(client.put(f"/api/filings/{filing_id}/statement", headers=lawyer,
                  json={"statement": "Restated by counsel: the cheque bounced and the debt is due."}))
    ok(client.post(f"/api/filings/{filing_id}/documents", headers=lawyer, data={"document_type": "other"},
                   files={"file": ("power-of-attorney.pdf", PDF + b"%poa\n", "application/pdf")}), 201)
    submitted = submit(client, lawyer, filing_id)
    assert submitted["status"] == "submitted"
    assert [a["bar_number"] for a in submitted["attorneys"]] == [bar_number]

    log = dossier(client, lawyer, filing_id)
    (grant_entry,) = entries_with(log, "filing.attorney_granted")
    assert grant_entry["actor"]["subject"] == account
    assert grant_entry["events"][0]["data"]["bar_number"] == bar_number
    for event_type in ("filing.statement_set", "filing.document_added", "filing.submitted"):
        actor = entries_with(log, event_type)[-1]["actor"]
        assert (actor["subject"], actor["on_behalf_of"], actor["roles"]) == (f"lawyer-{n}", account, ["lawyer"])

    # A lawyer holds the filer's rights, not the right to appoint another in their place.
    refused(client.post(f"/api/filings/{filing_id}/attorneys", headers=lawyer, json={"bar_number": "99"}),
            403, "filer-only")


def test_a_lawyer_without_a_grant_or_after_its_revocation_is_refused(platform, client):
    n = seed()
    filer, filer_id = citizen(platform, n)
    draft = cheque_claim_draft(client, filer, applicant=filer_id, respondent=iranian_national_code(n + 1))
    filing_id = draft["id"]
    draft = filing(client, filer, filing_id)
    lawyer_id = iranian_national_code(n + 5)
    lawyer = platform.token(f"lawyer-{n}", "lawyer", national_id=lawyer_id, jurisdiction="IR")
    # Other lawyers hold nothing, nor does the same national ID in the other jurisdiction.
    others = [platform.token(f"lawyer-{n}-b", "lawyer", national_id=iranian_national_code(n + 6), jurisdiction="IR"),
              platform.token(f"lawyer-{n}-c", "lawyer", bar_number="777", jurisdiction="IR"),
              platform.token(f"lawyer-{n}-d", "lawyer", national_id=lawyer_id, jurisdiction="VN")]
    for headers in [lawyer, *others]:
        for answer in attempts_to_change(client, headers, filing_id) + reads(client, headers, draft):
            refused(answer, 404, "filing-not-found")
        assert filing_id not in listed(client, headers)

    ok(client.post(f"/api/filings/{filing_id}/attorneys", headers=filer,
                   json={"national_id": lawyer_id.translate(PERSIAN)}), 201)
    ok(client.put(f"/api/filings/{filing_id}/statement", headers=lawyer,
                  json={"statement": "Counsel's first version of the statement."}))
    for headers in others:
        refused(client.get(f"/api/filings/{filing_id}", headers=headers), 404, "filing-not-found")

    revoked = ok(client.post(f"/api/filings/{filing_id}/attorneys/revoke", headers=filer,
                             json={"national_id": lawyer_id}))
    assert revoked["attorneys"] == []
    length = len(dossier(client, filer, filing_id))
    for answer in attempts_to_change(client, lawyer, filing_id) + reads(client, lawyer, draft):
        refused(answer, 404, "filing-not-found")
    assert filing_id not in listed(client, lawyer)
    log = dossier(client, filer, filing_id)
    assert len(log) == length
    assert entries_with(log, "filing.attorney_revoked")[0]["events"][0]["data"]["national_id"] == lawyer_id

    # Granted again, the lawyer is back; the dossier keeps the whole story.
    ok(client.post(f"/api/filings/{filing_id}/attorneys", headers=filer, json={"national_id": lawyer_id}), 201)
    assert filing_id in listed(client, lawyer)
    assert [e["events"][0]["type"] for e in dossier(client, lawyer, filing_id)
            if e["events"][0]["type"].startswith("filing.attorney")] == [
        "filing.attorney_granted", "filing.attorney_revoked", "filing.attorney_granted"]


def test_granting_and_revoking_refuse_bad_identifiers_naming_the_field(platform, client):
    n = seed()
    filer, filer_id = citizen(platform, n)
    draft = cheque_claim_draft(client, filer, applicant=filer_id, respondent=iranian_national_code(n + 1))
    path = f"/api/filings/{draft['id']}/attorneys"
    length = len(dossier(client, filer, draft["id"]))
    bad_check_digit = filer_id[:9] + str((int(filer_id[9]) + 1) % 10)

    def errors(body: dict, route: str = path, **headers) -> dict[str, str]:
        answer = client.post(route, headers=filer | headers, json=body)
        problem = refused(answer, 422, "validation")
        return {e["field"]: e["reason"] for e in problem["errors"]}

    for route in (path, path + "/revoke"):
        assert errors({"national_id": bad_check_digit}, route) == {
            "national_id": "An Iranian national code has 10 digits and a valid check digit."}
        assert errors({"bar_number": "12-AB"}, route, **{"accept-language": "fa"}) == {
            "bar_number": "شمارهٔ پروانهٔ وکالت ۱ تا ۱۲ رقم دارد."}
        assert errors({"bar_number": "1" * 13}, route).keys() == {"bar_number"}
        assert errors({"national_id": filer_id, "bar_number": "12"}, route).keys() == {"bar_number"}
        assert errors({}, route).keys() == {"national_id", "bar_number"}
        assert errors({"bar_number": "12", "lawyer": "x"}, route).keys() == {"lawyer"}
    assert errors({"bar_number": "12"}, path + "/revoke", **{"accept-language": "vi"}) == {
        "bar_number": "Không có luật sư nào như vậy được ủy quyền trong hồ sơ này."}
    assert len(dossier(client, filer, draft["id"])) == length
