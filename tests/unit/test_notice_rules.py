"""Pure rules of courts' notices: deadlines extended by outages, and statistics that single nobody out."""

from datetime import UTC, datetime, timedelta

import pytest

from ejustice_notification.deadlines.service import Window, extended
from ejustice_notification.statistics.service import _figures

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
pytestmark = pytest.mark.unit

RULE = {"margin": timedelta(hours=24), "extension": timedelta(hours=24)}


def test_a_deadline_ending_during_an_outage_runs_a_day_past_its_end():
    outage = Window("o1", T0, T0 + timedelta(hours=6))
    assert extended(T0 + timedelta(hours=3), [outage], **RULE) == (T0 + timedelta(hours=30), ["o1"])


def test_a_deadline_ending_within_the_margin_after_an_outage_gains_the_extension():
    outage = Window("o1", T0, T0 + timedelta(hours=6))
    ends = T0 + timedelta(hours=20)
    assert extended(ends, [outage], **RULE) == (ends + timedelta(hours=24), ["o1"])


def test_deadlines_before_an_outage_or_past_its_margin_are_not_extended():
    outage = Window("o1", T0, T0 + timedelta(hours=6))
    for ends in (T0 - timedelta(minutes=1), T0 + timedelta(hours=31)):
        assert extended(ends, [outage], **RULE) == (ends, [])


def test_an_extension_into_another_outage_is_extended_again_and_each_outage_counts_once():
    first = Window("o1", T0, T0 + timedelta(hours=6))
    second = Window("o2", T0 + timedelta(hours=29), T0 + timedelta(hours=31))
    ends, used = extended(T0 + timedelta(hours=1), [second, first], **RULE)
    assert used == ["o1", "o2"] and ends == T0 + timedelta(hours=55)
    assert extended(ends, [first, second], **RULE, applied=("o1", "o2")) == (ends, [])


def test_small_counts_are_suppressed_and_rates_only_shown_from_shown_counts():
    keys = {"court_id": "IR-THR-CIVIL", "kind": "summons", "channel": "ebox", "month": "2026-11"}
    few = _figures(keys, notices=3, seen=3, served=3, served_seconds=300.0, least=5)
    assert (few.notices, few.seen, few.served, few.seen_rate, few.mean_days_to_service) == (None,) * 5
    some_seen = _figures(keys, notices=40, seen=2, served=36, served_seconds=36 * 86_400.0, least=5)
    assert (some_seen.notices, some_seen.seen, some_seen.seen_rate) == (40, None, None)
    assert some_seen.served == 36 and some_seen.mean_days_to_service == 1.0
    many = _figures(keys, notices=40, seen=30, served=0, served_seconds=0.0, least=5)
    assert many.seen_rate == 0.75 and many.served == 0 and many.mean_days_to_service is None
