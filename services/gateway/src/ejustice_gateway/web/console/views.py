"""The office console: the pages a clerk uses at a service office's counter, over the same gateway API.

Sign in (password and authenticator code), the counter's queue, proving a visitor in person and registering them
(a printed slip with their e-box user code), filing for them with the portal's own filing steps (their one-time
confirmation code before submitting), the fee on the counter's POS terminal (a printed receipt), the office's
paper-service tasks and its appointments calendar.
"""

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from ejustice_gateway.web import i18n
from ejustice_gateway.web.api import PageFailure, Portal, expect, fail, form_errors
from ejustice_gateway.web.console import service
from ejustice_gateway.web.console.service import LAYOUT, Console, ConsoleContext, ConsoleSession, SignedIn, Visitor
from ejustice_gateway.web.filing import views as filing_steps
from ejustice_gateway.web.papers import service as papers
from ejustice_gateway.web.papers import views as printed
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.session import WebSession
from ejustice_gateway.web.templating import render, translate
from ejustice_shared.people import normalize_text

router = APIRouter(prefix="/console")
SERVICES = ("e-service-registration", "filing", "payment", "follow-up")
OUTCOMES = ("served", "no-show", "referred")
PAPER_OUTCOMES = ("served", "refused", "not-found")
DOCUMENT_KINDS = ("national-card", "birth-certificate", "citizen-id-card", "passport")
POS_WAIT_SECONDS = 4.0  # how long a look at the terminal waits for its answer before showing "check again"


async def _form(page: Portal):
    form = await page.request.form()
    check_csrf(page.request, form)
    return form


def _page(page: Portal, template: str, context: dict | None = None, *, status_code: int = 200):
    staff = page.console.claims if getattr(page, "console", None) else {}
    return render(page.request, template, {"layout": LAYOUT, "staff": staff, **(context or {})},
                  status_code=status_code)


def _anonymous(page: Portal) -> Portal:
    return Portal(request=page.request, lang=page.lang, session=None)


# --- sign-in ----------------------------------------------------------------------------------------------------


@router.get("")
async def start(page: ConsoleContext):
    return RedirectResponse("/console/queue" if page.console else "/console/sign-in", 303)


@router.get("/sign-in")
async def sign_in_page(page: ConsoleContext):
    return _page(page, "console/sign_in.html", {"form": {}, "errors": {}, "refused": None})


@router.post("/sign-in")
async def sign_in(page: ConsoleContext):
    form = await _form(page)
    typed = {name: normalize_text(str(form.get(name, ""))).strip() for name in ("username", "totp_code", "counter")}
    body = {"username": typed["username"], "password": str(form.get("password", "")),
            "totp_code": typed["totp_code"], "counter": typed["counter"] or None}
    errors, refused = {}, None
    for name, reason in (("username", "Enter your username"), ("password", "Enter your password"),
                         ("totp_code", "Enter the 6-digit code your authenticator app shows")):
        if not body[name]:
            errors[name] = translate(page.lang, reason)
    if not errors:
        answer = await _anonymous(page).call("POST", "/auth/staff-sign-in", json=body)
        if answer.status_code == 200:
            service.keep(page.request, ConsoleSession(staff_token=answer.json()["access_token"]))
            return RedirectResponse("/console/queue", 303)
        if answer.status_code == 401:
            errors["_page"] = translate(page.lang, "The username, password or code is not right. Codes change "
                                                   "every 30 seconds and each signs in once: wait for the next one.")
        elif answer.status_code == 403:
            refused = (answer.json() if answer.content else {}).get("detail") or ""
        elif answer.status_code == 429:
            errors["_page"] = translate(page.lang, "Too many failed sign-ins. The account is locked for 15 minutes.")
        elif answer.status_code == 422:
            errors = form_errors(answer)
        else:
            fail(answer)
    status = 403 if refused is not None else 422
    return _page(page, "console/sign_in.html", {"form": typed, "errors": errors, "refused": refused},
                 status_code=status)


@router.post("/sign-out")
async def sign_out(page: ConsoleContext):
    await _form(page)
    service.keep(page.request, None)
    return RedirectResponse("/console/sign-in", 303)


# --- the queue --------------------------------------------------------------------------------------------------


async def _queue_page(page: Console, *, message: str | None = None, errors: dict | None = None,
                      status_code: int = 200):
    staff = page.staff
    queue = await page.get(f"/offices/{staff['office_id']}/queue")
    mine = next((t for t in queue["at_counters"] if t.get("counter") == staff.get("counter")
                 and t.get("clerk") == staff["sub"]), None)
    return _page(page, "console/queue.html", {"queue": queue, "ticket": mine, "message": message,
                                              "errors": errors or {}, "outcomes": OUTCOMES},
                 status_code=status_code)



@router.get("/queue")
async def queue_page(page: SignedIn):
    return await _queue_page(page)


@router.post("/queue/call-next")
async def call_next(page: SignedIn):
    await _form(page)
    answer = await page.call("POST", f"/offices/{page.staff['office_id']}/queue/call-next")
    if answer.status_code == 200:
        return RedirectResponse("/console/queue", 303)
    if answer.status_code == 404:
        return await _queue_page(page, message=translate(page.lang, "Nobody is waiting."))
    if answer.status_code in (409, 403, 422):
        detail = (answer.json() if answer.content else {}).get("detail")
        return await _queue_page(page, message=detail, status_code=answer.status_code)
    fail(answer)


@router.post("/queue/{ticket_id}/serve")
async def serve(ticket_id: str, page: SignedIn):
    await _form(page)
    expect(await page.call("POST", f"/offices/{page.staff['office_id']}/tickets/{ticket_id}/serve"))
    return RedirectResponse("/console/queue", 303)


@router.post("/queue/{ticket_id}/close")
async def close(ticket_id: str, page: SignedIn):
    form = await _form(page)
    outcome, note = str(form.get("outcome", "")), str(form.get("note", "")).strip()
    if outcome not in OUTCOMES:
        return await _queue_page(page, errors={"outcome": translate(page.lang, "Choose how the visit ended")},
                                 status_code=422)
    answer = await page.call("POST", f"/offices/{page.staff['office_id']}/tickets/{ticket_id}/close",
                             json={"outcome": outcome, "note": note or None})
    if answer.status_code == 422:
        return await _queue_page(page, errors=form_errors(answer), status_code=422)
    expect(answer)
    return RedirectResponse("/console/queue", 303)


# --- the visitor: proven in person, registered, the slip -------------------------------------------------------


def _visitor_page(page: Console, *, form: dict | None = None, errors: dict | None = None, message: str | None = None,
                  status_code: int = 200):
    return _page(page, "console/visitor.html", {"visitor": page.visitor(), "form": form or {"jurisdiction": "IR"},
                                                "errors": errors or {}, "message": message,
                                                "document_kinds": DOCUMENT_KINDS}, status_code=status_code)


@router.get("/visitor")
async def visitor_page(page: SignedIn):
    return _visitor_page(page)


@router.post("/visitor")
async def prove_and_register(page: SignedIn):
    """The clerk has checked the ID document in front of them: the proof is recorded, and registration for
    e-service starts at once (the code goes to the visitor's phone)."""
    form = await _form(page)
    typed = {name: normalize_text(str(form.get(name, ""))).strip()
             for name in ("jurisdiction", "national_id", "mobile", "document_kind", "document_number")}
    errors = {}
    if typed["jurisdiction"] not in ("IR", "VN"):
        errors["jurisdiction"] = translate(page.lang, "Choose where the ID was issued")
    if typed["document_kind"] not in DOCUMENT_KINDS:
        errors["document_kind"] = translate(page.lang, "Choose the document you checked")
    for name, reason in (("national_id", "Enter the national ID"), ("mobile", "Enter the mobile number"),
                         ("document_number", "Enter the document's number")):
        if not typed[name]:
            errors[name] = translate(page.lang, reason)
    if errors:
        return _visitor_page(page, form=typed, errors=errors, status_code=422)
    proof = await page.call("POST", "/identity-proofs", json=typed)
    if proof.status_code != 201:
        if proof.status_code != 422:
            fail(proof)
        return _visitor_page(page, form=typed, errors=form_errors(proof), status_code=422)
    started = await _anonymous(page).call("POST", "/registrations", json={
        "jurisdiction": typed["jurisdiction"], "national_id": typed["national_id"], "mobile": typed["mobile"],
        "language": page.lang})
    if started.status_code != 201:
        if started.status_code not in (403, 422, 429, 503):
            fail(started)
        return _visitor_page(page, form=typed, errors=form_errors(started), status_code=started.status_code)
    body = started.json()
    page.remember(Visitor(jurisdiction=typed["jurisdiction"], national_id=proof.json().get("national_id") or
                          typed["national_id"], mobile=typed["mobile"], registration_id=body["registration_id"]))
    return RedirectResponse("/console/visitor/code", 303)


@router.get("/visitor/code")
async def code_page(page: SignedIn):
    if not (page.visitor() and page.visitor().registration_id):
        return RedirectResponse("/console/visitor", 303)
    return _page(page, "console/code.html", {"visitor": page.visitor(), "errors": {}})


@router.post("/visitor/code")
async def verify_code(page: SignedIn):
    """The code the visitor read out from their phone: their account is opened (or signed in to). The session
    it opens is ended at once; its access token only lets the console read the new e-box's user code."""
    form = await _form(page)
    visitor = page.visitor()
    if not (visitor and visitor.registration_id):
        return RedirectResponse("/console/visitor", 303)
    code = normalize_text(str(form.get("code", ""))).strip()
    if not code:
        return _page(page, "console/code.html", {"visitor": visitor, "errors": {
            "code": translate(page.lang, "Enter the code the visitor received")}}, status_code=422)
    anonymous = _anonymous(page)
    answer = await anonymous.call("POST", f"/registrations/{visitor.registration_id}/verify", json={"code": code})
    if answer.status_code != 200:
        if answer.status_code not in (409, 410, 422, 429):
            fail(answer)
        errors = {"code": next(iter(form_errors(answer).values()))}
        return _page(page, "console/code.html", {"visitor": visitor, "errors": errors}, status_code=422)
    tokens = answer.json()
    await anonymous.call("POST", "/auth/sign-out", json={"refresh_token": tokens["refresh_token"]})
    visitor.citizen_token, visitor.registration_id = tokens["access_token"], None
    page.remember(visitor)
    return RedirectResponse("/console/visitor/slip", 303)


async def _user_code(page: Console) -> str | None:
    """The visitor's e-box user code: the notification service opens the e-box just after registration."""
    visitor = page.visitor()
    if visitor is None:
        return None
    if visitor.user_code is None and visitor.citizen_token:
        answer = await page.as_citizen().call("GET", "/eboxes/me")
        if answer.status_code == 200:
            visitor.user_code, visitor.citizen_token = answer.json()["user_code"], None
            page.remember(visitor)
    return visitor.user_code


@router.get("/visitor/slip")
async def slip_page(page: SignedIn):
    if page.visitor() is None:
        return RedirectResponse("/console/visitor", 303)
    return _page(page, "console/slip.html", {"visitor": page.visitor(), "user_code": await _user_code(page)})


@router.get("/visitor/slip.pdf")
async def slip_pdf(page: SignedIn):
    user_code = await _user_code(page)
    if user_code is None:
        raise PageFailure(404)
    office = await page.get(f"/offices/{page.staff['office_id']}")
    data = await papers.render_pdf(str(page.request.base_url), "console/slip_pdf.html", page.lang, {
        "visitor": page.visitor(), "user_code": user_code, "office": office, "staff": page.staff,
        "portal_url": str(page.request.base_url).rstrip("/"), "printed_at": i18n.now().isoformat()})
    return printed.pdf(data, f"e-service-{user_code}.pdf")


@router.post("/visitor/act")
async def act_for_visitor(page: SignedIn):
    """The clerk acts for the visitor proven at this counter: the filing steps and the fee use that token."""
    await _form(page)
    visitor = page.visitor()
    if visitor is None:
        return RedirectResponse("/console/visitor", 303)
    answer = await page.call("POST", "/auth/on-behalf", json={"jurisdiction": visitor.jurisdiction,
                                                              "national_id": visitor.national_id})
    if answer.status_code != 200:
        if answer.status_code not in (403, 404, 422):
            fail(answer)
        message = (answer.json() if answer.content else {}).get("detail")
        return _visitor_page(page, message=message, status_code=answer.status_code)
    visitor.acting_token = answer.json()["access_token"]
    page.remember(visitor)
    return RedirectResponse("/console/filings/new", 303)


@router.post("/visitor/done")
async def visitor_done(page: SignedIn):
    """The visitor leaves: nothing of theirs stays in the console."""
    await _form(page)
    page.remember(None)
    return RedirectResponse("/console/queue", 303)


# --- filing for the visitor: the portal's steps, then the citizen's confirmation -------------------------------


def _visitor_national_id(portal: Portal) -> str:
    current = service.read(portal.request)
    return current.visitor.national_id if current and current.visitor else ""


def _confirmation(portal: Portal) -> dict:
    current = service.read(portal.request)
    visitor = current.visitor if current else None
    return {"visitor": visitor, "confirming": visitor.confirmation_filing if visitor else None}


FLOW = filing_steps.Flow(root="/console/filings", layout=LAYOUT, context=service.acting,
                         applicant_id=_visitor_national_id, check_template="console/check.html",
                         page_context=lambda portal: {"staff": service.read(portal.request).claims,
                                                      **_confirmation(portal)})
steps = filing_steps.step_routes(FLOW)


@router.post("/filings/{filing_id}/confirmation")
async def ask_confirmation(filing_id: str, page: SignedIn):
    """A one-time code to the citizen's own phone, naming this office: they read it out to confirm."""
    await _form(page)
    acting, visitor = page.acting(), page.visitor()
    await filing_steps.draft(acting, filing_id)
    answer = await acting.call("POST", "/auth/on-behalf/confirmations", json={
        "jurisdiction": visitor.jurisdiction, "national_id": visitor.national_id, "filing_id": filing_id,
        "language": page.lang})
    confirmation = expect(answer, 201)
    visitor.confirmation_id, visitor.confirmation_filing = confirmation["confirmation_id"], filing_id
    page.remember(visitor)
    return RedirectResponse(f"/console/filings/{filing_id}/check#code", 303)


@router.post("/filings/{filing_id}/submit")
async def submit_for_visitor(filing_id: str, page: SignedIn):
    form = await _form(page)
    acting, visitor = page.acting(), page.visitor()
    filing, subject = await filing_steps.draft(acting, filing_id)
    code = normalize_text(str(form.get("code", ""))).strip()

    async def again(errors: dict, status: int = 422):
        return await filing_steps.check(FLOW, acting, filing, subject, errors=[], status_code=status,
                                        field_errors=errors)

    if visitor.confirmation_filing != filing_id or not visitor.confirmation_id:
        return await again({"code": translate(page.lang, "Send the citizen a confirmation code first")})
    if not code:
        return await again({"code": translate(page.lang, "Enter the code the citizen received")})
    answer = await acting.call("POST", f"/auth/on-behalf/confirmations/{visitor.confirmation_id}/verify",
                               json={"code": code})
    if answer.status_code != 200:
        if answer.status_code not in (409, 410, 422, 429):
            fail(answer)
        if answer.status_code != 422:  # spent, expired or locked: a new code is needed
            visitor.confirmation_id = visitor.confirmation_filing = None
            page.remember(visitor)
        return await again({"code": next(iter(form_errors(answer).values()))})
    confirmed = Portal(request=page.request, lang=page.lang, session=WebSession(
        access_token=answer.json()["access_token"], refresh_token="", jurisdiction=visitor.jurisdiction))
    submitted = await confirmed.call("POST", f"/filings/{filing_id}/submit")
    if submitted.status_code != 200:
        if submitted.status_code != 422:
            fail(submitted)
        return await filing_steps.check(FLOW, acting, filing, subject, status_code=422,
                                        errors=filing_steps.submit_problems(FLOW, filing_id, submitted))
    # The confirmed token acts for the citizen on this filing: it takes the fee at the terminal next.
    visitor.acting_token = confirmed.session.access_token
    visitor.confirmation_id = visitor.confirmation_filing = None
    page.remember(visitor)
    return RedirectResponse(f"/console/filings/{filing_id}/pay", 303)


# --- the fee at the counter's POS terminal ----------------------------------------------------------------------


def _sandbox(page: Portal) -> bool:
    return page.request.app.state.runtime.settings.sandboxes_enabled


@router.get("/filings/{filing_id}/pay")
async def pay_page(filing_id: str, page: SignedIn):
    filing = await page.acting().get(f"/filings/{filing_id}")
    return _page(page, "console/pay.html", {"filing": filing, "payment": filing.get("payment"),
                                            "sandbox": _sandbox(page)})


@router.post("/filings/{filing_id}/pos")
async def take_fee(filing_id: str, page: SignedIn):
    form = await _form(page)
    outcome = str(form.get("sandbox_outcome", "")) if _sandbox(page) else ""
    attempt = service.start_pos(page, filing_id, outcome if outcome in ("approved", "declined", "timeout") else None)
    return RedirectResponse(f"/console/filings/{filing_id}/pos/{attempt}", 303)


@router.get("/filings/{filing_id}/pos/{attempt_id}")
async def terminal_page(filing_id: str, attempt_id: str, page: SignedIn):
    """The terminal's answer, or "still waiting" with a button to look again (no script needed)."""
    attempt = service.pos_attempt(page, attempt_id)
    if attempt is None or attempt.filing_id != filing_id:
        raise PageFailure(404)
    if not attempt.task.done():
        await asyncio.wait({attempt.task}, timeout=POS_WAIT_SECONDS)
    answer = attempt.answer()
    return _page(page, "console/terminal.html", {"filing_id": filing_id, "answer": answer,
                                                 "attempt_id": attempt_id})


@router.get("/receipts/{payment_id}.pdf")
async def receipt_pdf(payment_id: str, page: SignedIn):
    return await printed.receipt(page.acting(), payment_id)


# --- paper-service tasks ----------------------------------------------------------------------------------------


@router.get("/papers")
async def paper_tasks(page: SignedIn):
    tasks = await page.get("/paper-service")
    return _page(page, "console/papers.html", {"tasks": tasks})


async def _task(page: Console, task_id: str) -> dict:
    task = next((t for t in await page.get("/paper-service") if t["task_id"] == task_id), None)
    if task is None:
        raise PageFailure(404)
    return task


@router.get("/papers/{task_id}")
async def paper_task(task_id: str, page: SignedIn):
    return _page(page, "console/paper.html", {"task": await _task(page, task_id), "form": {}, "errors": {},
                                              "outcomes": PAPER_OUTCOMES})


def _served_at(typed: str, zone: str) -> str | None:
    """A typed date (Persian digits welcome) as the moment of service: now if today, else noon that day, in the
    office's time zone."""
    day = date.fromisoformat(typed)
    here = datetime.now(ZoneInfo(zone))
    if day == here.date():
        return here.isoformat(timespec="seconds")
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).isoformat()


@router.post("/papers/{task_id}")
async def record_paper_outcome(task_id: str, page: SignedIn):
    form = await _form(page)
    task = await _task(page, task_id)
    typed = {"outcome": str(form.get("outcome", "")),
             "served_on": normalize_text(str(form.get("served_on", ""))).strip()}
    errors, body = {}, {"outcome": typed["outcome"]}
    if typed["outcome"] not in PAPER_OUTCOMES:
        errors["outcome"] = translate(page.lang, "Choose what happened")
    elif typed["served_on"] and typed["outcome"] == "served":
        office = await page.get(f"/offices/{page.staff['office_id']}")
        try:
            body["served_at"] = _served_at(typed["served_on"], office["time_zone"])
        except ValueError:
            errors["served_on"] = translate(page.lang, "Enter the date as year-month-day, for example 2026-11-30")
    if not errors:
        answer = await page.call("POST", f"/paper-service/{task_id}/outcome", json=body)
        if answer.status_code == 200:
            return RedirectResponse("/console/papers?recorded=" + task_id, 303)
        if answer.status_code not in (409, 422):
            fail(answer)
        errors = {("served_on" if k == "served_at" else k): v for k, v in form_errors(answer).items()}
    return _page(page, "console/paper.html", {"task": task, "form": typed, "errors": errors,
                                              "outcomes": PAPER_OUTCOMES}, status_code=422)


# --- appointments -----------------------------------------------------------------------------------------------


async def _calendar_page(page: Console, day: str | None, *, form: dict | None = None, errors: dict | None = None,
                         booked: str | None = None, status_code: int = 200):
    office = await page.get(f"/offices/{page.staff['office_id']}")
    today = datetime.now(ZoneInfo(office["time_zone"])).date()
    try:
        chosen = date.fromisoformat(normalize_text(day)) if day else today
    except ValueError:
        chosen = today
    calendar = await page.get(f"/offices/{office['office_id']}/appointments", params={"day": chosen.isoformat()})
    return _page(page, "console/appointments.html", {
        "office": office, "calendar": calendar, "day": chosen.isoformat(), "today": today.isoformat(),
        "previous": (chosen - timedelta(days=1)).isoformat(), "next": (chosen + timedelta(days=1)).isoformat(),
        "services": SERVICES, "form": form or {}, "errors": errors or {}, "booked": booked},
        status_code=status_code)


@router.get("/appointments")
async def appointments(page: SignedIn, day: str | None = None, booked: str | None = None):
    return await _calendar_page(page, day, booked=booked)


@router.post("/appointments")
async def book(page: SignedIn):
    form = await _form(page)
    day, slot, wanted = str(form.get("day", "")), str(form.get("slot", "")), str(form.get("service", ""))
    errors = {}
    if "|" not in slot:
        errors["slot"] = translate(page.lang, "Choose a free slot")
    if wanted not in SERVICES:
        errors["service"] = translate(page.lang, "Choose what the visit is for")
    if not errors:
        start, counter = slot.split("|", 1)
        answer = await page.call("POST", f"/offices/{page.staff['office_id']}/appointments", json={
            "day": day, "start": start, "counter": counter, "service": wanted})
        if answer.status_code == 201:
            booked = answer.json()
            return RedirectResponse(f"/console/appointments?day={booked['day']}&booked={booked['start']}", 303)
        if answer.status_code not in (409, 422):
            fail(answer)
        errors = {("slot" if k in ("_page", "start", "counter", "day") else k): v
                  for k, v in form_errors(answer).items()}
    return await _calendar_page(page, day, form={"slot": slot, "service": wanted}, errors=errors, status_code=422)
