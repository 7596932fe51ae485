"""The competent court, as the registry decides it for the filing's subject and the parties' places."""

from dataclasses import dataclass

import httpx
from cachetools import TTLCache

from ejustice_filing.filings.models import FilingRead
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

# The registry's parameter names, as the fields of a filing a person can correct.
FIELDS = {"applicant_city": "parties", "respondent_city": "parties", "event_city": "event_city_id",
          "case_court_id": "case_court_id", "subject_code": "subject_code", "jurisdiction": "jurisdiction"}


@dataclass(frozen=True)
class Decision:
    court_id: str
    reason: dict[str, str]


async def competent_court(runtime: ServiceRuntime, filing: FilingRead) -> tuple[Decision | None, list[dict]]:
    applicant = next((p for p in filing.parties if p.role == "applicant"), None)
    respondent = next((p for p in filing.parties if p.role == "respondent"), None)
    if applicant is None:
        return None, []  # already reported: the court follows from the parties' places
    params = {"subject_code": filing.subject_code, "jurisdiction": filing.jurisdiction,
              "applicant_city": applicant.city_id, "respondent_city": respondent.city_id if respondent else None,
              "event_city": filing.event_city_id, "case_court_id": filing.case_court_id}
    params = {k: v for k, v in params.items() if v is not None}
    answers: TTLCache = runtime.state["competent_courts"]
    key = tuple(sorted(params.items()))
    if (known := answers.get(key)) is not None:
        return known, []
    client: httpx.AsyncClient = runtime.state["registry"]
    try:
        answer = await client.get("/jurisdiction/competent-court", params=params)
    except httpx.HTTPError as exc:
        raise Problem(503, "registry-unavailable",
                      detail="The court registry did not answer; nothing was submitted, try again shortly.") from exc
    if answer.status_code == 422:
        return None, [{**error, "field": FIELDS.get(error.get("field"), error.get("field"))}
                      for error in answer.json().get("errors", [])]
    if answer.status_code != 200:
        raise Problem(503, "registry-unavailable", detail="The court registry could not decide; try again shortly.")
    body = answer.json()
    answers[key] = decided = Decision(court_id=body["court_id"], reason=body["reason"])
    return decided, []


def remember_answers(seconds: float) -> TTLCache:
    """The registry's competent courts, by the question asked, for a while (`court_answer_seconds`)."""
    return TTLCache(maxsize=4096, ttl=seconds)


async def court_branches(runtime: ServiceRuntime, court_id: str) -> set[str]:
    client: httpx.AsyncClient = runtime.state["registry"]
    try:
        answer = await client.get(f"/courts/{court_id}")
    except httpx.HTTPError as exc:
        raise Problem(503, "registry-unavailable", detail="The court registry did not answer; try again.") from exc
    if answer.status_code != 200:
        return set()
    return {branch["branch_id"] for branch in answer.json().get("branches", [])}
