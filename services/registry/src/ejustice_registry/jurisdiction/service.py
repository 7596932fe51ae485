"""Which court is competent for a filing, and why: a checked decision, explained in words with its legal basis.

Pure logic over the reference data (places, courts, venue rules), so the filing service can call it at
submission and tests can run it without servers.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import get_args

from ejustice_registry.courts import service as courts
from ejustice_registry.courts.models import CourtRead
from ejustice_registry.jurisdiction.models import (
    PLACE_FIELDS,
    CompetentCourtQuery,
    CompetentCourtRead,
    Place,
    RuleBook,
)
from ejustice_registry.messages import OR, field_error, invalid
from ejustice_registry.places import service as places
from ejustice_registry.places.models import CityRead, Language, Names
from ejustice_shared.people import normalize_text
from ejustice_shared.runtime import ServiceRuntime

LANGUAGES: tuple[Language, ...] = get_args(Language)


@cache
def rulebook() -> RuleBook:
    return RuleBook.model_validate_json((Path(__file__).parent / "rules.json").read_text("utf-8"))


@dataclass(frozen=True)
class Reference:
    """The data a decision reads; the seeded one unless a test gives its own."""

    cities: Mapping[str, CityRead]
    courts: Mapping[str, CourtRead]
    rules: RuleBook


def seeded() -> Reference:
    return Reference(cities=places.gazetteer().cities, courts=courts.courts(), rules=rulebook())


async def load_reference_data(runtime: ServiceRuntime) -> None:
    """Read every seed at start, so a broken seed stops the service instead of failing a filing later."""
    seeded()


def competent_court(query: CompetentCourtQuery, *, language: Language = "en",
                    reference: Reference | None = None) -> CompetentCourtRead:
    """The competent court for the query, or a 422 Problem naming every field at fault at once."""
    ref = reference or seeded()
    errors: list[dict[str, str]] = []

    jurisdiction = places.normalize_id(query.jurisdiction) if _given(query.jurisdiction) else None
    if jurisdiction is None:
        errors.append(field_error("jurisdiction", "missing", language))
    elif jurisdiction not in ref.rules.subjects:
        errors.append(field_error("jurisdiction", "unknown-jurisdiction", language))
        jurisdiction = None

    subject = normalize_text(query.subject_code).strip().lower() if _given(query.subject_code) else None
    known_subjects = (ref.rules.subjects[jurisdiction] if jurisdiction
                      else {code for codes in ref.rules.subjects.values() for code in codes})
    if subject is None:
        errors.append(field_error("subject_code", "missing", language))
    elif subject not in known_subjects:
        errors.append(field_error("subject_code", "unknown-subject", language, value=subject))
        subject = None

    found, place_errors = _places(query, ref, jurisdiction, language)
    errors += place_errors

    decision = None
    if jurisdiction and subject:
        rule_ids = ref.rules.subjects[jurisdiction][subject]
        chosen = next((rule_id for rule_id in rule_ids
                       if _given(getattr(query, PLACE_FIELDS[ref.rules.rules[rule_id].place]))), None)
        if chosen is None:
            errors += _missing_places(rule_ids, ref, subject, language)
        elif ref.rules.rules[chosen].place in found:
            decision, error = _decide(chosen, found, ref, subject, language)
            errors += [error] if error else []
    if errors:
        raise invalid(errors)
    return decision


def _given(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def _places(query: CompetentCourtQuery, ref: Reference, jurisdiction: str | None,
            language: Language) -> tuple[dict[Place, CityRead | CourtRead], list[dict[str, str]]]:
    """Every place the query gives, looked up and checked against the jurisdiction, used or not."""
    found: dict[Place, CityRead | CourtRead] = {}
    errors = []
    for place, field in PLACE_FIELDS.items():
        raw = getattr(query, field)
        if not _given(raw):
            continue
        value = places.normalize_id(raw)
        known = ref.courts.get(value) if place == "case" else ref.cities.get(value)
        if known is None:
            errors.append(field_error(field, "unknown-court" if place == "case" else "unknown-city", language,
                                      value=value))
        elif jurisdiction and known.jurisdiction != jurisdiction:
            errors.append(field_error(field, "other-jurisdiction", language, value=value,
                                      actual=known.jurisdiction, jurisdiction=jurisdiction))
        else:
            found[place] = known
    return found, errors


def _missing_places(rule_ids: list[str], ref: Reference, subject: str, language: Language) -> list[dict[str, str]]:
    """None of the places the subject's rules use was given: name each, saying any one of them will do."""
    fields = [PLACE_FIELDS[ref.rules.rules[rule_id].place] for rule_id in rule_ids]
    needs = OR[language].join(f"{ref.rules.rules[rule_id].needs[language]} ({field})"
                              for rule_id, field in zip(rule_ids, fields, strict=True))
    return [field_error(field, "required-for-subject", language, subject=subject, needs=needs) for field in fields]


def _decide(rule_id: str, found: dict[Place, CityRead | CourtRead], ref: Reference, subject: str,
            language: Language) -> tuple[CompetentCourtRead | None, dict[str, str] | None]:
    rule = ref.rules.rules[rule_id]
    place = found[rule.place]
    if rule.court_type is None:  # the place is itself the court (a brief's case court)
        court = place
    else:
        court = courts.court_in(place.city_id, rule.court_type, among=ref.courts)
        if court is None:
            return None, field_error(PLACE_FIELDS[rule.place], "no-competent-court", language,
                                     city=place.names[language], court_type=rule.court_type, subject=subject)
    city = ref.cities[court.city_id]
    applicant = found.get("applicant")
    remote = applicant is not None and applicant.city_id != court.city_id

    def explain(lang: Language) -> str:
        reason = rule.reason[lang].format(city=city.names[lang], court=court.names[lang], basis=rule.legal_basis[lang])
        return reason + (ref.rules.remote_filing_note[lang].format(applicant_city=applicant.names[lang]) if remote
                         else "")

    return CompetentCourtRead(
        court_id=court.court_id, court_type=court.court_type, city_id=court.city_id, province_id=court.province_id,
        court_name=court.names, rule=rule_id, legal_basis=rule.legal_basis,
        reason=Names(**{lang: explain(lang) for lang in LANGUAGES}),
    ), None
