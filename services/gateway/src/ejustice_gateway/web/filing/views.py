from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from ejustice_gateway.web.api import PageFailure, PortalContext, expect, fail, form_errors
from ejustice_gateway.web.filing import service
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.templating import render, translate
from ejustice_shared.people import typed_number

router = APIRouter(prefix="/filings")


async def _subjects(portal: PortalContext) -> list[dict]:
    return await portal.get("/subjects")


async def _draft(portal: PortalContext, filing_id: str) -> tuple[dict, dict]:
    filing = await portal.get(f"/filings/{filing_id}")
    if filing["status"] not in ("draft", "returned"):
        raise PageFailure(409, translate(portal.lang, "This filing was submitted already; follow it on its case page."))
    subject = next((s for s in await _subjects(portal) if s["code"] == filing["subject_code"]), {})
    return filing, subject


async def _form(portal: PortalContext):
    form = await portal.request.form()
    check_csrf(portal.request, form)
    return form


def _page(portal, template, filing, subject, step, **context):
    return render(portal.request, template, {"filing": filing, "subject": subject, "step": step,
                                             "steps": service.steps(subject), **context})


@router.get("/new")
async def new_filing(portal: PortalContext):
    portal.require_sign_in()
    courts = await portal.get("/courts", params={"jurisdiction": portal.session.jurisdiction})
    return render(portal.request, "subject.html", {"groups": service.grouped(await _subjects(portal)),
                                                   "errors": {}, "form": {}, "courts": courts})


@router.post("/new")
async def open_draft(portal: PortalContext):
    portal.require_sign_in()
    form = await _form(portal)
    body = {"subject_code": str(form.get("subject_code", "")), "jurisdiction": portal.session.jurisdiction}
    subjects = await _subjects(portal)
    chosen = next((s for s in subjects if s["code"] == body["subject_code"]), None)
    if chosen and chosen["kind"] == "brief":
        body |= {"case_number": str(form.get("case_number", "")).strip() or None,
                 "case_court_id": str(form.get("case_court_id", "")) or None}
    errors = {}
    if chosen is None:
        errors["subject_code"] = translate(portal.lang, "Choose what your filing is about")
    else:
        answer = await portal.call("POST", "/filings", json=body)
        if answer.status_code == 201:
            return RedirectResponse(f"/filings/{answer.json()['id']}/parties", 303)
        if answer.status_code != 422:
            fail(answer)
        errors = form_errors(answer)
    courts = await portal.get("/courts", params={"jurisdiction": portal.session.jurisdiction})
    return render(portal.request, "subject.html", {"groups": service.grouped(subjects), "errors": errors,
                                                   "form": dict(form), "courts": courts}, status_code=422)


@router.get("/{filing_id}")
async def resume(filing_id: str, portal: PortalContext):
    """A draft resumes where it was left."""
    filing, subject = await _draft(portal, filing_id)
    return RedirectResponse(f"/filings/{filing_id}/{service.resume_step(filing, subject)}", 303)


@router.get("/{filing_id}/parties")
async def parties_page(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    values = service.form_of_parties(filing["parties"])
    if not filing["parties"]:
        values["parties-0-national_id"] = service.claims(portal).get("national_id", "")
    cities = await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})
    return _page(portal, "parties.html", filing, subject, "parties", form=values, errors={}, cities=cities)


@router.post("/{filing_id}/parties")
async def save_parties(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    form = await _form(portal)
    answer = await portal.call("PUT", f"/filings/{filing_id}/parties",
                               json={"parties": service.parties_payload(form, 2)})
    if answer.status_code == 200:
        return RedirectResponse(f"/filings/{filing_id}/{service.following(subject, 'parties')}", 303)
    if answer.status_code != 422:
        fail(answer)
    cities = await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})
    return render(portal.request, "parties.html", {
        "filing": filing, "subject": subject, "step": "parties", "steps": service.steps(subject),
        "form": dict(form), "errors": form_errors(answer), "cities": cities}, status_code=422)


@router.get("/{filing_id}/claim")
async def claim_page(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    amount = (filing.get("claim") or {}).get("amount")
    return _page(portal, "claim.html", filing, subject, "claim", form={"amount": amount or ""}, errors={})


@router.post("/{filing_id}/claim")
async def save_claim(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    form = await _form(portal)
    typed = str(form.get("amount", "")).strip()
    errors = {}
    if not typed:
        errors["amount"] = translate(portal.lang, "Enter the amount you claim")
    else:
        amount = typed_number(typed)
        answer = await portal.call("PUT", f"/filings/{filing_id}/claim", json={"claim": {
            "amount": amount, "currency": service.CURRENCY[filing["jurisdiction"]]}})
        if answer.status_code == 200:
            return RedirectResponse(f"/filings/{filing_id}/{service.following(subject, 'claim')}", 303)
        if answer.status_code != 422:
            fail(answer)
        errors = {"amount": next(iter(form_errors(answer).values()))}
    return render(portal.request, "claim.html", {"filing": filing, "subject": subject, "step": "claim",
                                                 "steps": service.steps(subject), "form": {"amount": typed},
                                                 "errors": errors}, status_code=422)


@router.get("/{filing_id}/statement")
async def statement_page(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    return _page(portal, "statement.html", filing, subject, "statement",
                 form={"statement": filing.get("statement") or ""}, errors={})


@router.post("/{filing_id}/statement")
async def save_statement(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    form = await _form(portal)
    text = str(form.get("statement", "")).strip()
    errors = {}
    if not text:
        errors["statement"] = translate(portal.lang, "Write what you ask the court and why")
    else:
        answer = await portal.call("PUT", f"/filings/{filing_id}/statement", json={"statement": text})
        if answer.status_code == 200:
            return RedirectResponse(f"/filings/{filing_id}/{service.following(subject, 'statement')}", 303)
        if answer.status_code != 422:
            fail(answer)
        errors = {"statement": next(iter(form_errors(answer).values()))}
    return render(portal.request, "statement.html", {"filing": filing, "subject": subject, "step": "statement",
                                                     "steps": service.steps(subject), "form": {"statement": text},
                                                     "errors": errors}, status_code=422)


@router.get("/{filing_id}/documents")
async def documents_page(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    return _page(portal, "documents.html", filing, subject, "documents", errors={})


@router.post("/{filing_id}/documents")
async def upload(filing_id: str, portal: PortalContext):
    """The file goes on to the filing service as it came; its limits and content checks decide."""
    limit = portal.request.app.state.runtime.settings.max_body_bytes
    declared = portal.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PageFailure(413)
    filing, subject = await _draft(portal, filing_id)
    form = await _form(portal)
    upload, document_type = form.get("file"), str(form.get("document_type", ""))
    errors = {}
    if not document_type:
        errors["document_type"] = translate(portal.lang, "Choose which document this is")
    if upload is None or isinstance(upload, str) or not upload.filename:
        errors["file"] = translate(portal.lang, "Choose a file to upload")
    if not errors:
        data = await upload.read()
        answer = await portal.call("POST", f"/filings/{filing_id}/documents", data={"document_type": document_type},
                                   files={"file": (upload.filename, data, upload.content_type)})
        if answer.status_code == 201:
            return RedirectResponse(f"/filings/{filing_id}/documents", 303)
        if answer.status_code not in (413, 415, 422):
            fail(answer)
        errors = {("file" if k in ("_page", "file") else k): v for k, v in form_errors(answer).items()}
    return render(portal.request, "documents.html", {"filing": filing, "subject": subject, "step": "documents",
                                                     "steps": service.steps(subject), "errors": errors},
                  status_code=422)


@router.get("/{filing_id}/check")
async def check_page(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    return await _check(portal, filing, subject, errors=[])


async def _check(portal: PortalContext, filing: dict, subject: dict, *, errors: list, status_code: int = 200):
    quote = await _quote(portal, filing)
    court = await _court(portal, filing)
    cities = {c["city_id"]: c for c in await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})}
    return render(portal.request, "check.html", {
        "filing": filing, "subject": subject, "step": "check", "steps": service.steps(subject), "quote": quote,
        "court": court, "problems": errors, "cities": cities}, status_code=status_code)


async def _quote(portal: PortalContext, filing: dict) -> dict | None:
    claim = filing.get("claim") or {}
    answer = await portal.call("GET", "/fees/quote", params={
        "jurisdiction": filing["jurisdiction"], "subject_code": filing["subject_code"],
        "amount": claim.get("amount", 0), "currency": service.CURRENCY[filing["jurisdiction"]]})
    return answer.json() if answer.status_code == 200 else None


async def _court(portal: PortalContext, filing: dict) -> dict | None:
    """The competent court the registry names for what is entered so far, with its reason in words."""
    applicant = next((p for p in filing["parties"] if p["role"] == "applicant"), None)
    respondent = next((p for p in filing["parties"] if p["role"] == "respondent"), None)
    if applicant is None:
        return None
    params = {"subject_code": filing["subject_code"], "jurisdiction": filing["jurisdiction"],
              "applicant_city": applicant["city_id"]}
    for key, value in (("respondent_city", respondent and respondent["city_id"]),
                       ("event_city", filing.get("event_city_id")), ("case_court_id", filing.get("case_court_id"))):
        if value:
            params[key] = value
    answer = await portal.call("GET", "/jurisdiction/competent-court", params=params)
    return answer.json() if answer.status_code == 200 else None


@router.post("/{filing_id}/submit")
async def submit(filing_id: str, portal: PortalContext):
    filing, subject = await _draft(portal, filing_id)
    await _form(portal)
    answer = await portal.call("POST", f"/filings/{filing_id}/submit")
    if answer.status_code == 200:
        return RedirectResponse(f"/cases/{filing_id}", 303)
    if answer.status_code != 422:
        fail(answer)
    problems = [{"reason": e.get("reason"), "href": service.error_link(filing_id, e.get("field") or "")}
                for e in answer.json().get("errors") or []]
    return await _check(portal, filing, subject, errors=problems, status_code=422)


__all__ = ["router", "expect"]
