from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from ejustice_registry.courts.models import CourtType
from ejustice_registry.places.models import Names
from ejustice_shared.people import Jurisdiction

Place = Literal["applicant", "respondent", "event", "case"]

# The query parameter that gives each place: where a party lives, where the event happened, the case's court.
PLACE_FIELDS: dict[Place, str] = {
    "applicant": "applicant_city", "respondent": "respondent_city", "event": "event_city", "case": "case_court_id",
}


class Rule(BaseModel):
    """One venue rule: which court type, in which place, on what legal basis, explained in words.

    `reason` may use {city}, {court} and {basis}; `needs` says what the place is when it is missing.
    A rule with no court type sends the filing to the court named by the place (a brief's case court).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    court_type: CourtType | None
    place: Place
    legal_basis: Names
    needs: Names
    reason: Names


class RuleBook(BaseModel):
    """The rules, and per jurisdiction and subject the rules to try in order: the first whose place is given wins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remote_filing_note: Names
    rules: dict[str, Rule]
    subjects: dict[Jurisdiction, dict[str, list[str]]]

    @model_validator(mode="after")
    def _every_subject_names_known_rules(self):
        for jurisdiction, subjects in self.subjects.items():
            for subject, rule_ids in subjects.items():
                if not rule_ids or any(rule_id not in self.rules for rule_id in rule_ids):
                    raise ValueError(f"{jurisdiction}/{subject} names no rule or an unknown one: {rule_ids}")
        return self


class CompetentCourtQuery(BaseModel):
    """What the filer knows: the subject, the jurisdiction and the places; each is checked, none is assumed."""

    model_config = ConfigDict(frozen=True)

    subject_code: str | None = None
    jurisdiction: str | None = None
    applicant_city: str | None = None
    respondent_city: str | None = None
    event_city: str | None = None
    case_court_id: str | None = None


class CompetentCourtRead(BaseModel):
    court_id: str
    court_type: CourtType
    city_id: str
    province_id: str
    court_name: Names
    rule: str
    legal_basis: Names
    reason: Names
