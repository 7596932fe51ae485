"""Vietnamese citizen IDs: a province that issues them, a century and sex digit agreeing with the birth year."""

from datetime import date

import pytest

from ejustice_shared.people import (
    VIETNAMESE_PROVINCE_CODES,
    valid_national_id,
    valid_vietnamese_citizen_id,
    vietnamese_birth_year,
)

TODAY = date(2026, 11, 30)


def test_the_official_list_has_the_63_provinces():
    assert len(VIETNAMESE_PROVINCE_CODES) == 63
    assert {"001", "079", "096"} <= VIETNAMESE_PROVINCE_CODES           # Hà Nội, Hồ Chí Minh, Cà Mau
    assert not {"000", "003", "005", "097", "099"} & VIETNAMESE_PROVINCE_CODES  # gaps and past the end


@pytest.mark.parametrize(("code", "year"), [
    ("001090123456", 1990),   # Hà Nội, man born 1990
    ("079185000001", 1985),   # Hồ Chí Minh, woman born 1985
    ("048205123456", 2005),   # Đà Nẵng, man born 2005
    ("096326000000", 2026),   # Cà Mau, girl born this year
    ("031000999999", 1900),
])
def test_valid_ids_and_the_birth_year_they_encode(code, year):
    assert vietnamese_birth_year(code) == year
    assert valid_vietnamese_citizen_id(code, today=TODAY)


@pytest.mark.parametrize(("code", "why"), [
    ("000090123456", "no province 000"),
    ("003090123456", "003 is a gap in the list"),
    ("097090123456", "past the last province"),
    ("001227123456", "born 2027, in the future"),
    ("001399123456", "born 2099"),
    ("001490123456", "the 2100s"),
    ("00109012345", "11 digits"),
    ("0010901234567", "13 digits"),
    ("00109012345a", "not all digits"),
])
def test_invalid_ids(code, why):
    assert not valid_vietnamese_citizen_id(code, today=TODAY), why


def test_the_year_limit_moves_with_today():
    assert not valid_vietnamese_citizen_id("001227123456", today=TODAY)
    assert valid_vietnamese_citizen_id("001227123456", today=date(2027, 1, 1))


def test_jurisdiction_picks_the_rule():
    assert valid_national_id("001090123456", "VN")
    assert not valid_national_id("001090123456", "IR")
    assert valid_national_id("0012424862", "IR") and not valid_national_id("0012424862", "VN")
