"""The venue rules pick the competent court and say why; bad input is answered naming every field at fault."""

import json
from pathlib import Path

import pytest

from ejustice_registry.courts import service as courts
from ejustice_registry.jurisdiction import service
from ejustice_registry.jurisdiction.models import CompetentCourtQuery
from ejustice_registry.places import service as places
from ejustice_shared.problems import Problem

ROOT = Path(__file__).resolve().parents[2]
FILING_SUBJECTS = ROOT / "services" / "filing" / "src" / "ejustice_filing" / "subjects" / "seed.json"


def decide(language="en", **query):
    return service.competent_court(CompetentCourtQuery(**query), language=language)


def refused(language="en", reference=None, **query) -> dict[str, str]:
    """The fields at fault and their codes."""
    with pytest.raises(Problem) as caught:
        service.competent_court(CompetentCourtQuery(**query), language=language, reference=reference)
    assert caught.value.status == 422
    return {error["field"]: error["code"] for error in caught.value.errors}


@pytest.mark.parametrize(
    ("jurisdiction", "subject", "places_given", "court", "rule", "basis"),
    [
        # Iran: civil claims at the respondent's city; a cheque may also go to its bank's city.
        *[("IR", subject, {"applicant_city": "IR-ABK", "respondent_city": "IR-THR"}, "IR-THR-CIVIL",
           "IR-CIVIL-RESPONDENT", "Civil Procedure Code art. 11")
          for subject in ("cheque-claim", "damages", "price-refund", "attorney-fee-claim", "movable-property-return")],
        ("IR", "cheque-claim", {"respondent_city": "IR-THR", "event_city": "IR-ISF"}, "IR-ISF-CIVIL",
         "IR-CHEQUE-BANK-CITY", "Civil Procedure Code art. 13"),
        # Iran: a wife's family claims at her own city; a husband's divorce request at the wife's.
        *[("IR", subject, {"applicant_city": "IR-AST", "respondent_city": "IR-THR"}, "IR-AST-FAMILY",
           "IR-FAMILY-APPLICANT", "Family Protection Law 2013 art. 12")
          for subject in ("alimony", "mahr-claim", "dowry-return")],
        ("IR", "divorce-husband-request", {"applicant_city": "IR-THR", "respondent_city": "IR-RSH"}, "IR-RSH-FAMILY",
         "IR-FAMILY-RESPONDENT", "Civil Procedure Code art. 11; Family Protection Law 2013 art. 12"),
        # Iran: a bounced cheque is tried where its bank is, else where the accused lives.
        ("IR", "bounced-cheque-complaint", {"respondent_city": "IR-THR", "event_city": "IR-MHD"}, "IR-MHD-CRIMINAL",
         "IR-CRIMINAL-BANK-CITY", "Criminal Procedure Code 2013 art. 310"),
        ("IR", "bounced-cheque-complaint", {"respondent_city": "IR-QZV"}, "IR-QZV-CRIMINAL",
         "IR-CRIMINAL-RESPONDENT", "Criminal Procedure Code 2013 art. 310 ff."),
        ("IR", "declaration", {"applicant_city": "IR-YZD"}, "IR-YZD-CIVIL", "IR-DECLARATION-APPLICANT",
         "Civil Procedure Code art. 156"),
        ("IR", "case-brief", {"applicant_city": "IR-ABK", "case_court_id": "IR-THR-FAMILY"}, "IR-THR-FAMILY",
         "CASE-COURT", "the court seized of the case"),
        # Vietnam: the People's Court of the respondent's city; family matters may use the applicant's.
        ("VN", "cheque-claim", {"applicant_city": "VN-HN", "respondent_city": "VN-HCM"}, "VN-HCM-PC",
         "VN-CIVIL-RESPONDENT", "Civil Procedure Code 2015 art. 39(1)(a)"),
        ("VN", "alimony", {"applicant_city": "VN-DN", "respondent_city": "VN-HCM"}, "VN-DN-PC",
         "VN-FAMILY-APPLICANT", "Civil Procedure Code 2015 art. 40(1)"),
        ("VN", "mahr-claim", {"respondent_city": "VN-HP"}, "VN-HP-PC", "VN-CIVIL-RESPONDENT",
         "Civil Procedure Code 2015 art. 39(1)(a)"),
        ("VN", "divorce-husband-request", {"applicant_city": "VN-DN", "respondent_city": "VN-HN"}, "VN-HN-PC",
         "VN-CIVIL-RESPONDENT", "Civil Procedure Code 2015 art. 39(1)(a)"),
        ("VN", "bounced-cheque-complaint", {"respondent_city": "VN-HN", "event_city": "VN-HP"}, "VN-HP-PC",
         "VN-CRIMINAL-EVENT", "Criminal Procedure Code 2015 art. 269"),
        ("VN", "declaration", {"applicant_city": "VN-HCM"}, "VN-HCM-PC", "VN-DECLARATION-APPLICANT",
         "ejustice rule (no statutory venue)"),
        ("VN", "case-brief", {"case_court_id": "VN-DN-PC"}, "VN-DN-PC", "CASE-COURT", "the court seized of the case"),
    ],
)
def test_each_subject_goes_to_its_competent_court_with_the_rule_and_reason(jurisdiction, subject, places_given,
                                                                           court, rule, basis):
    decision = decide(jurisdiction=jurisdiction, subject_code=subject, **places_given)
    seeded = courts.find(court)
    assert (decision.court_id, decision.rule, decision.legal_basis.en) == (court, rule, basis)
    assert (decision.court_type, decision.city_id, decision.province_id) == (
        seeded.court_type, seeded.city_id, seeded.province_id)
    assert decision.court_name == seeded.names
    city = places.find_city(seeded.city_id)
    for language in ("fa", "vi", "en"):  # the reason names the place and the basis in each language
        reason = decision.reason[language]
        assert decision.legal_basis[language] in reason
        assert (seeded.names[language] if rule == "CASE-COURT" else f"({city.names[language]})") in reason


def test_the_reason_reads_as_a_sentence():
    decision = decide(jurisdiction="IR", subject_code="cheque-claim", respondent_city="IR-THR")
    assert decision.reason.en == ("Civil claims go to the civil court of the respondent's residence (Tehran)"
                                  " — Civil Procedure Code art. 11.")


def test_filing_in_one_province_for_a_court_in_another():
    decision = decide(jurisdiction="IR", subject_code="damages", applicant_city="IR-ABK", respondent_city="IR-RSH")
    assert places.find_city("IR-ABK").province_id == "IR-PROV-YZD"
    assert (decision.court_id, decision.province_id) == ("IR-RSH-CIVIL", "IR-PROV-GIL")
    assert decision.reason.en.endswith("Filed from Abarkuh, it is sent to this court electronically.")
    assert "ابرکوه" in decision.reason.fa and "Abarkuh" in decision.reason.vi
    at_home = decide(jurisdiction="IR", subject_code="mahr-claim", applicant_city="IR-ABK")
    assert at_home.court_id == "IR-ABK-FAMILY" and "Filed from" not in at_home.reason.en


def test_ids_are_accepted_as_people_type_them():
    decision = decide(jurisdiction=" ir", subject_code="Case-Brief ", case_court_id="ir-thr-civil")
    assert decision.court_id == "IR-THR-CIVIL"


def test_every_problem_is_named_at_once():
    assert refused() == {"jurisdiction": "missing", "subject_code": "missing"}
    assert refused(jurisdiction="FR", subject_code="no-such-subject", respondent_city="NOWHERE") == {
        "jurisdiction": "unknown-jurisdiction", "subject_code": "unknown-subject", "respondent_city": "unknown-city"}
    # A city of the other jurisdiction, an unknown city that the rule does not even use, an unknown case court.
    assert refused(jurisdiction="IR", subject_code="damages", respondent_city="VN-HN", event_city="IR-XXX",
                   case_court_id="IR-THR-NOPE") == {
        "respondent_city": "other-jurisdiction", "event_city": "unknown-city", "case_court_id": "unknown-court"}
    assert refused(jurisdiction="VN", subject_code="case-brief", case_court_id="IR-THR-CIVIL") == {
        "case_court_id": "other-jurisdiction"}


def test_a_missing_place_is_named_with_every_alternative():
    assert refused(jurisdiction="IR", subject_code="price-refund", applicant_city="IR-THR") == {
        "respondent_city": "required-for-subject"}
    assert refused(jurisdiction="IR", subject_code="alimony", respondent_city="IR-THR") == {
        "applicant_city": "required-for-subject"}
    assert refused(jurisdiction="IR", subject_code="case-brief", applicant_city="IR-THR") == {
        "case_court_id": "required-for-subject"}
    assert refused(jurisdiction="VN", subject_code="bounced-cheque-complaint", respondent_city="VN-HN") == {
        "event_city": "required-for-subject"}
    with pytest.raises(Problem) as caught:
        decide(jurisdiction="IR", subject_code="bounced-cheque-complaint")
    assert [e["field"] for e in caught.value.errors] == ["event_city", "respondent_city"]
    assert caught.value.errors[0]["reason"] == (
        "'bounced-cheque-complaint' needs the city of the cheque's bank (event_city)"
        " or the accused's (respondent's) city of residence (respondent_city).")


def test_reasons_are_in_the_readers_language():
    with pytest.raises(Problem) as caught:
        decide(language="fa", jurisdiction="IR", subject_code="mahr-claim", respondent_city="VN-HN")
    reasons = {e["field"]: e["reason"] for e in caught.value.errors}
    assert reasons == {"respondent_city": "«VN-HN» در حوزه قضایی VN است، نه IR.",
                       "applicant_city": "برای موضوع «mahr-claim» شهر محل اقامت خواهان (applicant_city) لازم است."}


def test_a_city_without_a_court_of_the_needed_type_is_named():
    seeded = service.seeded()
    without_criminal = {cid: court for cid, court in seeded.courts.items() if cid != "IR-MHD-CRIMINAL"}
    reference = service.Reference(cities=seeded.cities, courts=without_criminal, rules=seeded.rules)
    assert refused(reference=reference, jurisdiction="IR", subject_code="bounced-cheque-complaint",
                   event_city="IR-MHD", respondent_city="IR-THR") == {"event_city": "no-competent-court"}


def test_the_rules_cover_exactly_the_filing_services_subjects_in_both_jurisdictions():
    codes = {subject["code"] for subject in json.loads(FILING_SUBJECTS.read_text("utf-8"))}
    assert len(codes) == 12
    for jurisdiction in ("IR", "VN"):
        assert set(service.rulebook().subjects[jurisdiction]) == codes


def test_the_seed_has_the_places_and_courts_filings_need():
    cities = places.gazetteer().cities
    for city_id, province_id in [("IR-THR", "IR-PROV-THR"), ("IR-ISF", "IR-PROV-ISF"), ("IR-YZD", "IR-PROV-YZD"),
                                 ("IR-ABK", "IR-PROV-YZD"), ("IR-RSH", "IR-PROV-GIL"), ("IR-AST", "IR-PROV-GIL"),
                                 ("IR-QZV", "IR-PROV-QZV"), ("IR-MHD", "IR-PROV-RKH"), ("VN-HN", "VN-PROV-HN"),
                                 ("VN-HCM", "VN-PROV-HCM"), ("VN-DN", "VN-PROV-DN"), ("VN-HP", "VN-PROV-HP")]:
        assert cities[city_id].province_id == province_id
    assert cities["VN-HN"].names.vi == "Hà Nội" and cities["IR-ABK"].names.fa == "ابرکوه"
    for city in cities.values():
        here = courts.list_courts(city_id=city.city_id)
        if city.jurisdiction == "IR":
            assert sorted(c.court_type for c in here) == ["civil", "criminal", "family"]
            assert all(c.court_id == f"{city.city_id}-{c.court_type.upper()}" for c in here)
            assert all({b.branch_type for b in c.branches} == {c.court_type} for c in here)
        else:
            assert [(c.court_id, c.court_type) for c in here] == [(f"{city.city_id}-PC", "people")]
            assert {b.branch_type for b in here[0].branches} == {"civil", "family", "criminal"}
        for court in here:
            assert court.branches and all(b.branch_id == f"{court.court_id}-B{b.number}" for b in court.branches)
    assert courts.find("IR-THR-CIVIL").branches[0].branch_id == "IR-THR-CIVIL-B12"
