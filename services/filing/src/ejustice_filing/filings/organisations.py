"""Parties that are organisations: their identifier, and the person who acts for them.

A person's national ID is checked as before; an organisation's ID by its country's rule (Iran's 11-digit
legal-entity ID, Vietnam's enterprise or tax code), and an organisation that files names its representative,
whose national ID is checked too. A citizen may file for an organisation they represent.
"""

from ejustice_filing.filings.models import PartyCreate
from ejustice_shared.people import valid_national_id, valid_organisation_id
from ejustice_shared.problems import field_error


def party_errors(n: int, party: PartyCreate, jurisdiction: str) -> list[dict]:
    errors = []
    if party.kind == "person":
        if not valid_national_id(party.national_id, jurisdiction):
            errors.append(field_error(f"parties.{n}.national_id", "invalid-national-id", variant=jurisdiction))
        if party.representative is not None:
            errors.append(field_error(f"parties.{n}.representative", "representative-for-person"))
        return errors
    if not valid_organisation_id(party.national_id, jurisdiction):
        errors.append(field_error(f"parties.{n}.national_id", "invalid-organisation-id", variant=jurisdiction))
    if party.role == "applicant" and party.representative is None:
        errors.append(field_error(f"parties.{n}.representative", "representative-required"))
    if party.representative and not valid_national_id(party.representative.national_id, jurisdiction):
        errors.append(field_error(f"parties.{n}.representative.national_id", "invalid-national-id",
                                  variant=jurisdiction))
    return errors


def acts_as(party: PartyCreate, national_id: str) -> bool:
    """The person is this party, or represents it."""
    if party.kind == "organisation":
        return party.representative is not None and party.representative.national_id == national_id
    return party.national_id == national_id
