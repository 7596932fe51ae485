"""Steps of the citizen journey through the gateway, shared by tests and the benchmark."""

import httpx

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CHEQUE_DOCUMENTS = ("cheque", "bank-certificate-of-non-payment", "identity-document")


def citizen(platform, seed: int) -> tuple[dict[str, str], str]:
    """A citizen's authorization headers (development token) and national code."""
    from tests.support.people import iranian_national_code

    national_id = iranian_national_code(seed)
    headers = platform.token(f"citizen-{national_id}", "citizen", national_id=national_id, jurisdiction="IR")
    return headers, national_id


def ok(answer: httpx.Response, status: int = 200) -> dict:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json()


def cheque_claim_draft(client: httpx.Client, headers: dict, *, applicant: str, respondent: str,
                       amount: int = 500_000_000) -> dict:
    """A complete cheque-claim draft, ready to submit: Abarkuh applicant, Tehran respondent."""
    draft = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                           headers=headers), 201)
    base = f"/api/filings/{draft['id']}"
    ok(client.put(base + "/parties", headers=headers, json={"parties": [
        {"role": "applicant", "national_id": applicant, "name": "Maryam Ahmadi", "city_id": "IR-ABK"},
        {"role": "respondent", "national_id": respondent, "name": "Reza Karimi", "city_id": "IR-THR"},
    ]}))
    ok(client.put(base + "/claim", headers=headers, json={"claim": {"amount": amount, "currency": "IRR"}}))
    ok(client.put(base + "/statement", headers=headers,
                  json={"statement": "The respondent's cheque for the claimed amount bounced on presentation."}))
    for document_type in CHEQUE_DOCUMENTS:
        ok(client.post(base + "/documents", headers=headers, data={"document_type": document_type},
                       files={"file": (f"{document_type}.pdf", PDF, "application/pdf")}), 201)
    return draft


def submit(client: httpx.Client, headers: dict, filing_id: str) -> dict:
    return ok(client.post(f"/api/filings/{filing_id}/submit", headers=headers))


def filing(client: httpx.Client, headers: dict, filing_id: str) -> dict:
    return ok(client.get(f"/api/filings/{filing_id}", headers=headers))
