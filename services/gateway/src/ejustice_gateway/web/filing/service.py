"""The new-filing form, one step per page, over the filing API's draft: each step saves what it asks."""

import jwt

from ejustice_gateway.web.api import Portal

KIND_ORDER = ("petition", "complaint", "declaration", "brief")
# Which step page holds each API field, so that a problem links straight to its field.
STEP_OF = {"subject_code": "subject", "case_number": "subject", "case_court_id": "subject", "parties": "parties",
           "claim": "claim", "statement": "statement", "documents": "documents", "event_city_id": "parties"}
CURRENCY = {"IR": "IRR", "VN": "VND"}


def claims(portal: Portal) -> dict:
    """Who the person is, as their own token says (the API checks it again on every call)."""
    session = portal.require_sign_in()
    return jwt.decode(session.access_token, options={"verify_signature": False})


def grouped(subjects: list[dict]) -> list[tuple[str, list[dict]]]:
    return [(kind, [s for s in subjects if s["kind"] == kind]) for kind in KIND_ORDER
            if any(s["kind"] == kind for s in subjects)]


def steps(subject: dict) -> list[str]:
    """The pages this subject needs, in order; a subject without a claim skips the amount."""
    return ["parties", *(["claim"] if subject.get("claim_required") else []), "statement", "documents", "check"]


def following(subject: dict, step: str) -> str:
    order = steps(subject)
    return order[order.index(step) + 1] if step in order and step != "check" else "check"


def error_link(filing_id: str, field: str, *, root: str = "/filings") -> str:
    """Where to mend a problem: the step page and the field's id on it."""
    head = field.split(".")[0]
    step = STEP_OF.get(head, "check")
    anchor = field.replace(".", "-") if head != "claim" else "amount"
    if head == "parties" and "." not in field:
        anchor = "parties-0-national_id"
    if head == "documents":
        anchor = "document_type"
    return f"{root}/{filing_id}/{step}#{anchor}"


def parties_payload(form, count: int) -> list[dict]:
    parties = []
    for n in range(count):
        def value(name: str, n: int = n) -> str:
            return str(form.get(f"parties-{n}-{name}", "")).strip()
        if not any(value(k) for k in ("national_id", "name", "city_id")):
            continue
        party = {"role": "applicant" if n == 0 else "respondent", "kind": value("kind") or "person",
                 "national_id": value("national_id"), "name": value("name"), "city_id": value("city_id")}
        if party["kind"] == "organisation" and any(value(f"representative-{k}") for k in ("national_id", "name")):
            party["representative"] = {"national_id": value("representative-national_id"),
                                       "name": value("representative-name"),
                                       "position": value("representative-position") or None}
        parties.append(party)
    return parties


def form_of_parties(parties: list[dict]) -> dict:
    """The saved parties as the form's fields, to fill the page again."""
    values = {}
    applicants = [p for p in parties if p["role"] == "applicant"][:1]
    respondents = [p for p in parties if p["role"] == "respondent"][:1]
    for n, party in enumerate([*(applicants or [{}]), *respondents]):
        for key in ("kind", "national_id", "name", "city_id"):
            values[f"parties-{n}-{key}"] = party.get(key) or ""
        for key, value in (party.get("representative") or {}).items():
            values[f"parties-{n}-representative-{key}"] = value or ""
    return values


def resume_step(filing: dict, subject: dict) -> str:
    """Where a draft was left: the first step still missing something, else the check before submitting."""
    required = set(subject.get("documents_required", []))
    missing = {
        "parties": not filing.get("parties"),
        "claim": bool(subject.get("claim_required")) and not filing.get("claim"),
        "statement": not filing.get("statement"),
        "documents": not required <= {d["document_type"] for d in filing.get("documents", [])},
    }
    return next((step for step in steps(subject) if missing.get(step)), "check")
