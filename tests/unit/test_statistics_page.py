"""The statistics page's arithmetic and calendar: bars, sums of what is shown, months in the reader's calendar."""

from ejustice_gateway.web import i18n
from ejustice_gateway.web.statistics import service


def channel(name: str, notices, seen, rate) -> dict:
    return {"court_id": None, "kind": None, "channel": name, "month": None, "notices": notices, "seen": seen,
            "served": seen, "seen_rate": rate, "mean_days_to_service": None}


def test_the_headline_puts_the_ebox_first_and_leaves_a_suppressed_rate_without_a_bar():
    page = service.page({"suppressed_below": 5, "by_channel": [channel("paper", None, None, None),
                                                               channel("ebox", 40, 31, 0.775)],
                         "notices": [], "filings": [], "fees": []})
    assert [row["channel"] for row in page["channels"]] == ["ebox", "paper"]
    assert page["channels"][0]["seen_percent"] == 77.5
    assert page["seen_chart"] == [service.Bar("ebox", 77.5, 77.5)]


def test_filings_per_subject_add_only_what_is_shown_and_scale_to_the_largest():
    filings = [{"subject_code": "cheque-claim", "court_id": "A", "filings": 8},
               {"subject_code": "cheque-claim", "court_id": "B", "filings": 12},
               {"subject_code": "cheque-claim", "court_id": "C", "filings": None},
               {"subject_code": "mahr-claim", "court_id": "A", "filings": 5}]
    bars = service.scaled(service.filings_by_subject({"filings": filings}))
    assert bars == [service.Bar("cheque-claim", 100.0, 20), service.Bar("mahr-claim", 25.0, 5)]


def test_a_gregorian_month_in_the_readers_calendar():
    assert i18n.format_month("2026-11", "fa") == "آبان–آذر ۱۴۰۵"
    assert i18n.format_month("2027-03", "fa") == "اسفند ۱۴۰۵–فروردین ۱۴۰۶"
    assert i18n.format_month("2026-11", "vi") == "tháng 11/2026"
    assert i18n.format_month("2026-11", "en") == "November 2026"
    assert i18n.format_decimal(1234.56, "fa") == "۱٬۲۳۴٫۶" and i18n.format_decimal(77.5, "vi") == "77,5"
