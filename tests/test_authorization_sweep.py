"""The authorization sweep: every route of every service, tried by everyone who has no business there.

Citizen A registers, files a cheque claim (documents, dossier), pays it, the court accepts it,
A gets a notice and the respondent, who has no e-box, a paper-service task; A also keeps a
draft, on which a lawyer holds A's power of attorney. Then every route the services document
is tried, as the role matrix in `docs/security/role-matrix.csv` says, by another citizen, an
anonymous caller, a court of another city, a lawyer without a grant and a clerk of another
office. On A's resources each must get 401, 403 or 404, and A's view of everything stays as it was. Public routes
must not show A's personal data. A route the matrix does not list fails the test.
Those A lets act (the lawyer holding A's power of attorney, a clerk who checked A's ID at their
own office's counter) reach and change A's draft; the dossier says they acted for A.
"""

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.journey import PDF, cheque_claim_draft, ok, submit
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import wait_until
from tests.support.sweep import Route, Rule, documented_routes, read_matrix
from tests.test_journey import bearer, register

DENIED = {401, 403, 404}
APPLICANT_NAME = "Maryam Ahmadi"  # as cheque_claim_draft names the applicant
SETTLED = {"filing.accepted", "notice.delivered", "notice.viewed", "paper_service.requested"}
# Path parameters that name nothing of A's: a court, a calendar day, a service office, its queue tickets, a step.
NOT_A_RESOURCE = {"court_id", "day", "office_id", "ticket_id", "step"}


@dataclass(frozen=True)
class Caller:
    """Someone trying a route: the matrix column that decides for them, and their headers."""

    who: str
    role: str
    headers: dict[str, str]


@dataclass
class Case:
    """What citizen A owns, and how A sees it."""

    owner: dict[str, str]
    court: dict[str, str]
    operator: dict[str, str]
    personal: list[str]  # what no stranger may read: national codes and the applicant's name
    resources: dict[str, str]  # path parameter (or body field) → an id of A's
    accepted_filing: str
    draft_filing: str
    mobile: str  # A's proven mobile
    attorney: dict[str, str]  # the lawyer holding A's power of attorney on the draft


@pytest.fixture(scope="module")
def case(platform) -> Case:
    seed = uuid.uuid4().int % 10**6
    applicant_id, respondent_id = iranian_national_code(seed), iranian_national_code(seed + 1)
    mobile = iranian_mobile(seed)
    court = platform.token("court-tehran", "court", court_id="IR-THR-CIVIL")
    operator = platform.token("operator-1", "operator")
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        session = register(client, national_id=applicant_id, mobile=mobile)
        # A's own principal, in a token that outlives the sweep (a session's lasts 10 minutes; the sweep longer).
        owner = platform.token(session["account_id"], "citizen", national_id=applicant_id, jurisdiction="IR")
        wait_until(lambda: client.get("/api/eboxes/me", headers=owner).status_code == 200, timeout=15,
                   what="the e-box")
        registration = ok(client.post("/api/registrations", json={
            "jurisdiction": "IR", "national_id": applicant_id, "mobile": mobile}), 201)

        filing_id = cheque_claim_draft(client, owner, applicant=applicant_id, respondent=respondent_id)["id"]
        submit(client, owner, filing_id)
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=owner))["fee"], timeout=30,
                   what="the fee")
        payment = ok(client.post("/api/payments", json={"filing_id": filing_id},
                                 headers=owner | {"idempotency-key": f"sweep-{filing_id}"}), 201)
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={"outcome": "paid"}), 202)
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=owner))["status"] == "forwarded",
                   timeout=30, what="forwarding to the court")
        ok(client.post(f"/api/court/filings/{filing_id}/accept", headers=court,
                       json={"case_number": "140509981777", "branch_id": "IR-THR-CIVIL-B12"}))
        # The court's judgment on the case, with its document: A's newest notice.
        judgment = {"reference": f"sweep-{seed}", "kind": "judgment", "filing_id": filing_id,
                    "documents": [{"filename": "judgment.pdf", "content_base64": base64.b64encode(PDF).decode()}]}
        posted = wait_until(lambda: (answer := client.post("/api/court-notices", headers=court, json=judgment)
                                     ).status_code == 201 and answer.json(), timeout=30, what="the judgment")
        batch = ok(client.post("/api/court-notices/batches", headers=court | {"content-type": "application/x-ndjson"},
                               content=json.dumps({**judgment, "reference": f"sweep-batch-{seed}"}).encode()), 202)
        now = datetime.now(UTC)
        outage = ok(client.post("/api/outages", headers=operator, json={
            "started_at": (now - timedelta(days=400)).isoformat(),
            "ended_at": (now - timedelta(days=400, minutes=-5)).isoformat()}), 201)
        # The acceptance's notice, the judgment, and the batch's copy of it: all in before the sweep compares.
        wait_until(lambda: ok(client.get(f"/api/court-notices/batches/{batch['batch_id']}", headers=court)
                              )["status"] == "completed", timeout=60, what="the batch served")
        notices = wait_until(lambda: len(answer := ok(client.get("/api/notices", headers=owner))) == 3 and answer,
                             timeout=30, what="A's notices")
        notices = [n for n in notices if n["reference"] == judgment["reference"]]
        tasks = wait_until(lambda: [t for t in ok(client.get("/api/paper-service", headers=operator))
                                    if t["filing_id"] == filing_id], timeout=30, what="the paper-service task")
        draft = cheque_claim_draft(client, owner, applicant=applicant_id, respondent=respondent_id)
        attorney_id = iranian_national_code(seed + 2)
        ok(client.post(f"/api/filings/{draft['id']}/attorneys", json={"national_id": attorney_id}, headers=owner), 201)
        accepted = ok(client.get(f"/api/filings/{filing_id}", headers=owner))
        case = Case(
            owner=owner, court=court, operator=operator,
            personal=[applicant_id, respondent_id, APPLICANT_NAME],
            resources={
                "filing_id": filing_id, "document_id": accepted["documents"][0]["document_id"],
                "payment_id": payment["payment_id"], "notice_id": notices[0]["notice_id"],
                "task_id": tasks[0]["task_id"], "registration_id": registration["registration_id"],
                "court_id": "IR-THR-CIVIL", "day": datetime.now(UTC).date().isoformat(),
                "office_id": "IR-THR-101", "ticket_id": "2026-01-01-0001", "step": "suspend",
                "confirmation_id": uuid.uuid4().hex,
                "national_id": applicant_id, "attorney_id": attorney_id, "refresh_token": session["refresh_token"],
                "reference": judgment["reference"], "sha256": posted["documents"][0]["sha256"],
                "batch_id": batch["batch_id"], "outage_id": outage["outage_id"],
            },
            accepted_filing=filing_id, draft_filing=draft["id"], mobile=mobile,
            attorney=platform.token(f"lawyer-{attorney_id}", "lawyer", national_id=attorney_id, jurisdiction="IR"))
        # A reads the notice first: that first view enters the dossier, and the sweep compares a settled one.
        ok(client.get(f"/api/notices/{notices[0]['notice_id']}", headers=owner))
        wait_until(lambda: SETTLED <= dossier_types(client, case), timeout=30, what="the dossier to settle")
        return case


def callers(platform) -> list[Caller]:
    """Everyone the sweep tries: none of them is A, A's court, or anyone A asked to act."""
    seed = uuid.uuid4().int % 10**6
    citizen_id, lawyer_id = iranian_national_code(seed + 7), iranian_national_code(seed + 8)
    return [
        Caller("another citizen", "citizen",
               platform.token(f"citizen-{citizen_id}", "citizen", national_id=citizen_id, jurisdiction="IR")),
        Caller("an anonymous caller", "anonymous", {}),
        Caller("a court of another city", "court", platform.token("court-isfahan", "court", court_id="IR-ISF-CIVIL")),
        Caller("a lawyer without a grant", "lawyer",
               platform.token(f"lawyer-{lawyer_id}", "lawyer", national_id=lawyer_id, jurisdiction="IR")),
        Caller("a clerk of another office", "clerk",
               platform.token("clerk-elsewhere", "clerk", office_id="office-elsewhere")),
    ]


def bodies(ids: dict[str, str]) -> dict[Route, dict]:
    """A valid request for each route that takes a body, so that only the caller's rights can refuse it."""
    parties = {"parties": [
        {"role": "applicant", "national_id": iranian_national_code(424_242), "name": "Intruder", "city_id": "IR-THR"},
        {"role": "respondent", "national_id": iranian_national_code(424_243), "name": "Victim", "city_id": "IR-THR"}]}
    return {
        Route("filing", "PUT", "/filings/{filing_id}/parties"): {"json": parties},
        Route("filing", "PUT", "/filings/{filing_id}/claim"): {"json": {"claim": {"amount": 1, "currency": "IRR"}}},
        Route("filing", "PUT", "/filings/{filing_id}/statement"): {"json": {"statement": "Rewritten by a stranger."}},
        Route("filing", "POST", "/filings/{filing_id}/documents"): {
            "data": {"document_type": "cheque"}, "files": {"file": ("forged.pdf", PDF, "application/pdf")}},
        Route("filing", "POST", "/filings"): {"json": {"subject_code": "cheque-claim", "jurisdiction": "IR"}},
        Route("filing", "POST", "/filings/{filing_id}/attorneys"): {
            "json": {"national_id": iranian_national_code(424_244)}},
        Route("filing", "POST", "/filings/{filing_id}/attorneys/revoke"): {"json": {"national_id": ids["attorney_id"]}},
        Route("filing", "POST", "/court/filings/{filing_id}/accept"): {
            "json": {"case_number": "140509989999", "branch_id": "IR-ISF-CIVIL-B1"}},
        Route("filing", "POST", "/court/filings/{filing_id}/return"): {
            "json": {"reasons": [{"code": "missing-document"}]}},
        Route("notification", "POST", "/paper-service/{task_id}/outcome"): {"json": {"outcome": "refused"}},
        Route("notification", "POST", "/court-notices"): {"json": {
            "reference": f"intruder-{uuid.uuid4().hex[:8]}", "kind": "interim-order", "filing_id": ids["filing_id"],
            "text": "Forged order."}},
        Route("notification", "POST", "/court-notices/batches"): {
            "content": json.dumps({"reference": f"intruder-{uuid.uuid4().hex[:8]}", "kind": "interim-order",
                                   "filing_id": ids["filing_id"], "text": "Forged order."}).encode(),
            "headers": {"content-type": "application/x-ndjson"}},
        Route("notification", "PUT", "/eboxes/me/contact"): {"json": {"email": "intruder@mail.example"}},
        Route("notification", "POST", "/outages"): {"json": {"started_at": "2020-01-01T00:00:00+00:00",
                                                             "ended_at": "2020-01-01T00:05:00+00:00"}},
        Route("notification", "POST", "/internal/sms"): {
            "json": {"to": "+989120000000", "template": "otp", "language": "en", "params": {"code": "123456"}}},
        Route("payment", "POST", "/payments"): {
            "json": {"filing_id": ids["filing_id"]}, "headers": {"idempotency-key": f"intruder-{uuid.uuid4().hex}"}},
        Route("payment", "POST", "/payments/sandbox/{payment_id}/pay"): {"json": {"outcome": "paid"}},
        Route("payment", "POST", "/payments/reconciliations"): {"json": {"day": ids["day"]}},
        Route("gateway", "POST", "/api/registrations/{registration_id}/verify"): {"json": {"code": "000000"}},
        Route("gateway", "POST", "/api/identity-proofs"): {"json": {
            "jurisdiction": "IR", "national_id": ids["national_id"], "mobile": "09121110000",
            "document_kind": "national-card", "document_number": "FORGED123"}},
        Route("gateway", "POST", "/api/auth/on-behalf"): {
            "json": {"jurisdiction": "IR", "national_id": ids["national_id"]}},
        Route("gateway", "POST", "/api/auth/on-behalf/confirmations"): {
            "json": {"jurisdiction": "IR", "national_id": ids["national_id"], "filing_id": ids["filing_id"]}},
        Route("gateway", "POST", "/api/auth/on-behalf/confirmations/{confirmation_id}/verify"): {
            "json": {"code": "000000"}},
        Route("payment", "POST", "/payments/pos"): {
            "json": {"filing_id": ids["filing_id"]}, "headers": {"idempotency-key": f"intruder-{uuid.uuid4().hex}"}},
    }


QUERIES = {
    Route("notification", "GET", "/sandbox-sms"): {"to": "+989120000000"},
    Route("notification", "GET", "/sandbox-email"): {"to": "intruder@mail.example"},
    Route("payment", "GET", "/receipts/verify"): {"receipt_number": "0", "verification_code": "0"},
    Route("registry", "GET", "/jurisdiction/competent-court"): {
        "subject_code": "cheque-claim", "jurisdiction": "IR", "applicant_city": "IR-ABK", "respondent_city": "IR-THR"},
}

# Routes whose body names one of A's resources, though their path does not.
BODY_NAMES_A_RESOURCE = {Route("payment", "POST", "/payments"), Route("gateway", "POST", "/api/auth/on-behalf"),
                         Route("payment", "POST", "/payments/pos"),
                         Route("gateway", "POST", "/api/auth/on-behalf/confirmations"),
                         Route("notification", "POST", "/court-notices")}


def path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def touches_a_resource(route: Route) -> bool:
    return any(name not in NOT_A_RESOURCE for name in path_parameters(route.path)) or route in BODY_NAMES_A_RESOURCE


def same_as_for_nothing(client: httpx.Client, rule: Rule, ids: dict[str, str], caller: Caller,
                        answer: httpx.Response) -> bool:
    """Whether the caller got exactly what a made-up id gets: then the answer tells nothing of A's resource.

    (Asking to pay a filing whose fee is not assessed yet is 409 for any filing id, A's or none.)
    """
    made_up = {name: uuid.uuid4().hex for name in ids}
    nothing = request(client, rule, made_up, caller.headers, bodies(made_up))
    def kind(response: httpx.Response) -> tuple | None:
        if not response.headers.get("content-type", "").startswith("application/problem+json"):
            return None
        return response.status_code, response.json().get("type")

    return answer.status_code < 500 and kind(answer) is not None and kind(answer) == kind(nothing)


def owner_view(client: httpx.Client, case: Case) -> dict:
    """Everything A (and the office desk, for the paper task) sees of A's things."""
    ids = case.resources
    view = {}
    for name, path in {
        "filing": f"/api/filings/{case.accepted_filing}",
        "dossier": f"/api/filings/{case.accepted_filing}/dossier",
        "draft": f"/api/filings/{case.draft_filing}",
        "draft dossier": f"/api/filings/{case.draft_filing}/dossier",
        "notices": "/api/notices",
        "e-box": "/api/eboxes/me",
        "payment": f"/api/payments/{ids['payment_id']}",
        "assessment": f"/api/assessments/{case.accepted_filing}",
    }.items():
        view[name] = ok(client.get(path, headers=case.owner))
    view["paper task"] = [t for t in ok(client.get("/api/paper-service", headers=case.operator))
                          if t["task_id"] == ids["task_id"]]
    return view


def dossier_types(client: httpx.Client, case: Case) -> set[str]:
    log = ok(client.get(f"/api/filings/{case.accepted_filing}/dossier", headers=case.owner))
    return {e["data"].get("event_type", e["type"]) for entry in log for e in entry["events"]}


def request(client: httpx.Client, rule: Rule, ids: dict[str, str], caller_headers: dict[str, str],
            samples: dict[Route, dict]) -> httpx.Response:
    route = rule.route
    missing = [name for name in path_parameters(route.path) if name not in ids]
    assert not missing, f"{route}: the sweep makes no resource for {missing}; add one to the case fixture"
    sample = samples.get(route, {})
    headers = {**caller_headers, **sample.get("headers", {})}
    return client.request(route.method, rule.url(client.platform, route.path.format(**ids)), headers=headers,
                          params=QUERIES.get(route), **{k: v for k, v in sample.items() if k != "headers"})


def test_every_route_of_every_service_is_in_the_role_matrix(platform):
    matrix, documented = read_matrix(), documented_routes(platform)
    unlisted = sorted(map(str, documented.keys() - matrix.keys()))
    stale = sorted(map(str, matrix.keys() - documented.keys()))
    assert not unlisted, "routes missing from docs/security/role-matrix.csv:\n" + "\n".join(unlisted)
    assert not stale, "docs/security/role-matrix.csv lists routes no service has:\n" + "\n".join(stale)


def test_the_owner_reaches_what_the_sweep_then_denies_to_others(platform, case):
    """The sweep's ids are real: A and A's court get 200 where strangers get 404."""
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        client.platform = platform
        for filing_id, court in ((case.accepted_filing, case.court), (case.draft_filing, None)):
            ids = {**case.resources, "filing_id": filing_id}
            for rule in read_matrix().values():
                if rule.route.method != "GET" or not touches_a_resource(rule.route) or rule.public:
                    continue
                for role, headers in (("citizen", case.owner), ("court", court)):
                    if headers is None or rule.access[role] == "no" or "{task_id}" in rule.route.path:
                        continue
                    if role == "court" and "{filing_id}" not in rule.route.path:
                        continue  # the court's own e-box and notices are its own, not A's
                    if filing_id == case.draft_filing and (not rule.route.path.startswith("/filings/{filing_id}")
                                                           or "{document_id}" in rule.route.path):
                        continue  # a draft has no fee yet, and the documents named are the accepted filing's
                    answer = request(client, rule, ids, headers, {})
                    assert answer.status_code == 200, f"{role} {rule.route} {filing_id}: {answer.text[:300]}"


@pytest.mark.parametrize("which", ["accepted", "draft"])
def test_nobody_else_reaches_or_changes_citizen_as_resources(platform, case, which):
    filing_id = case.accepted_filing if which == "accepted" else case.draft_filing
    ids = {**case.resources, "filing_id": filing_id}
    matrix, documented = read_matrix(), documented_routes(platform)
    samples, failures, tried = bodies(ids), [], 0
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        client.platform = platform
        before = owner_view(client, case)
        for route in sorted(documented, key=str):
            rule = matrix.get(route)
            if rule is None:
                failures.append(f"{route}: not in the role matrix")
                continue
            for caller in callers(platform):
                allowed = rule.access[caller.role]
                if allowed == "yes":
                    if caller.role == "anonymous" and route.method == "GET":
                        answer = request(client, rule, ids, caller.headers, samples)
                        tried += 1
                        leaked = [value for value in case.personal if value in answer.text]
                        if leaked:
                            failures.append(f"{route} (public) shows personal data to {caller.who}: {leaked}")
                    continue
                if allowed == "own" and not touches_a_resource(route):
                    if route.method == "GET":  # their own list: none of A's things in it
                        answer = request(client, rule, ids, caller.headers, samples)
                        tried += 1
                        secrets = [*case.personal, *(v for k, v in ids.items() if k not in NOT_A_RESOURCE)]
                        shown = [value for value in secrets if value in answer.text]
                        if shown:
                            failures.append(f"{route} shows {caller.who} A's {shown}")
                    continue
                answer = request(client, rule, ids, caller.headers, samples)
                tried += 1
                if answer.status_code not in DENIED and not same_as_for_nothing(client, rule, ids, caller, answer):
                    failures.append(f"{route} as {caller.who}: {answer.status_code} {answer.text[:200]}")
                if route.method != "GET" or route.path == "/notices/{notice_id}":
                    after = owner_view(client, case)
                    if after != before:
                        changed = sorted(name for name in after if after[name] != before[name])
                        failures.append(f"{route} as {caller.who} changed A's {changed}")
                        before = after
        after = owner_view(client, case)
        assert after == before, json.dumps({k: v for k, v in after.items() if v != before.get(k)}, indent=1)[:3000]
    assert tried > 100, f"only {tried} requests were tried"
    assert not failures, "\n".join(failures)


def test_those_a_lets_act_reach_and_change_as_draft_and_nobody_else(platform, case):
    """The lawyer holding A's power of attorney, and a clerk who checked A's ID at their own office, act for A;
    a lawyer without a grant and a clerk of another office stay refused."""
    draft = f"/api/filings/{case.draft_filing}"
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        filer_id = ok(client.get(draft, headers=case.owner))["filer_id"]
        desk = platform.token("clerk-sweep-desk", "clerk", office_id="office-sweep-desk")
        elsewhere = platform.token("clerk-elsewhere", "clerk", office_id="office-elsewhere")
        ok(client.post("/api/identity-proofs", headers=desk, json={
            "jurisdiction": "IR", "national_id": case.resources["national_id"], "mobile": case.mobile,
            "document_kind": "national-card", "document_number": "A1234567"}), 201)
        asked = {"jurisdiction": "IR", "national_id": case.resources["national_id"]}
        refused = client.post("/api/auth/on-behalf", headers=elsewhere, json=asked)
        assert refused.status_code == 403, refused.text
        clerk = bearer(ok(client.post("/api/auth/on-behalf", headers=desk, json=asked)))

        for who, headers in (("the attorney", case.attorney), ("the clerk acting for A", clerk)):
            ok(client.get(draft, headers=headers))
            ok(client.get(f"{draft}/dossier/export", headers=headers))
            statement = f"Put by {who}."
            assert ok(client.put(f"{draft}/statement", headers=headers,
                                 json={"statement": statement}))["statement"] == statement
            last = ok(client.get(f"{draft}/dossier", headers=case.owner))[-1]
            assert last["actor"]["on_behalf_of"] == filer_id, last["actor"]
        refused = client.post(f"{draft}/attorneys", headers=case.attorney,
                              json={"national_id": iranian_national_code(424_245)})
        assert refused.status_code == 403, refused.text  # an attorney does not appoint another

        before = ok(client.get(draft, headers=case.owner))
        for caller in callers(platform):
            if caller.role not in ("lawyer", "clerk"):
                continue
            for method, path, body in (("GET", draft, None), ("PUT", f"{draft}/statement", {"statement": "No."})):
                answer = client.request(method, path, headers=caller.headers, json=body)
                assert answer.status_code in DENIED, f"{caller.who} {method} {path}: {answer.text[:300]}"
        assert ok(client.get(draft, headers=case.owner)) == before


def test_only_the_holder_of_as_refresh_token_renews_or_ends_the_session(platform, case):
    """Knowing A's session id (the refresh token's first half) is not enough to renew or end A's session."""
    token = case.resources["refresh_token"]
    forged = token.split(".")[0] + "." + "x" * 43
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        answer = client.post("/api/auth/refresh", json={"refresh_token": forged})
        assert answer.status_code == 401, answer.text
        assert client.post("/api/auth/sign-out", json={"refresh_token": forged}).status_code == 204
        renewed = ok(client.post("/api/auth/refresh", json={"refresh_token": token}))
        assert ok(client.get("/api/eboxes/me", headers=bearer(renewed)))
