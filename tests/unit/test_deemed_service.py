"""The deemed-service rule: when a notice counts as served, by the jurisdiction's configured policy."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ejustice_notification.notices.deemed import DaysAfterDelivery, OnDelivery, OnFirstView, due_at, served_at
from ejustice_notification.settings import NotificationSettings

DELIVERED = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
ON_DELIVERY = OnDelivery(rule="on_delivery")
ON_FIRST_VIEW = OnFirstView(rule="on_first_view")
TEN_DAYS = DaysAfterDelivery(rule="days_after_delivery", days=10)


def at(**later) -> datetime:
    return DELIVERED + timedelta(**later)


def test_on_delivery_arrival_is_service_whether_or_not_it_is_read():
    assert served_at(ON_DELIVERY, delivered_at=DELIVERED, viewed_at=None, now=DELIVERED) == DELIVERED
    assert served_at(ON_DELIVERY, delivered_at=DELIVERED, viewed_at=at(days=3), now=at(days=3)) == DELIVERED
    assert due_at(ON_DELIVERY, delivered_at=DELIVERED) is None


def test_on_first_view_waits_for_the_view_however_long_it_takes():
    assert served_at(ON_FIRST_VIEW, delivered_at=DELIVERED, viewed_at=None, now=at(days=400)) is None
    assert served_at(ON_FIRST_VIEW, delivered_at=DELIVERED, viewed_at=at(hours=5), now=at(hours=5)) == at(hours=5)
    assert due_at(ON_FIRST_VIEW, delivered_at=DELIVERED) is None


def test_days_after_delivery_serves_an_unread_notice_when_the_days_are_over():
    assert due_at(TEN_DAYS, delivered_at=DELIVERED) == at(days=10)
    assert served_at(TEN_DAYS, delivered_at=DELIVERED, viewed_at=None, now=at(days=10, microseconds=-1)) is None
    assert served_at(TEN_DAYS, delivered_at=DELIVERED, viewed_at=None, now=at(days=10)) == at(days=10)
    # Checked late, it is still served at the deadline, not at the check.
    assert served_at(TEN_DAYS, delivered_at=DELIVERED, viewed_at=None, now=at(days=12)) == at(days=10)


def test_days_after_delivery_serves_at_an_earlier_first_view():
    assert served_at(TEN_DAYS, delivered_at=DELIVERED, viewed_at=at(days=2), now=at(days=2)) == at(days=2)
    # A view after the deadline changes nothing: the deadline served it.
    assert served_at(TEN_DAYS, delivered_at=DELIVERED, viewed_at=at(days=11), now=at(days=11)) == at(days=10)


def test_fractional_days_let_a_deadline_be_seconds_away():
    two_seconds = DaysAfterDelivery(rule="days_after_delivery", days=2 / 86_400)
    assert due_at(two_seconds, delivered_at=DELIVERED) == at(seconds=2)
    assert served_at(two_seconds, delivered_at=DELIVERED, viewed_at=None, now=at(seconds=1)) is None


def test_the_policy_per_jurisdiction_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("NOTIFICATION_DEEMED_SERVICE",
                       '{"IR": {"rule": "on_first_view"}, "VN": {"rule": "days_after_delivery", "days": 0.5}}')
    policies = NotificationSettings().deemed_service
    assert policies == {"IR": ON_FIRST_VIEW, "VN": DaysAfterDelivery(rule="days_after_delivery", days=0.5)}


def test_the_default_policy_follows_irans_regulation_and_the_ten_day_rule():
    assert NotificationSettings().deemed_service == {"IR": ON_DELIVERY, "VN": TEN_DAYS}


@pytest.mark.parametrize("setting, complaint", [
    ('{"IR": {"rule": "on_delivery"}}', "no rule for: VN"),
    ('{"IR": {"rule": "on_delivery"}, "VN": {"rule": "days_after_delivery", "days": 0}}', "greater than 0"),
    ('{"IR": {"rule": "on_delivery"}, "VN": {"rule": "days_after_delivery"}}', "days"),
    ('{"IR": {"rule": "when_the_court_says"}, "VN": {"rule": "on_delivery"}}', "rule"),
    ('{"IR": {"rule": "on_delivery"}, "VN": {"rule": "on_delivery"}, "BR": {"rule": "on_delivery"}}', "BR"),
])
def test_a_policy_that_is_incomplete_or_unknown_stops_the_service_at_start(monkeypatch, setting, complaint):
    monkeypatch.setenv("NOTIFICATION_DEEMED_SERVICE", setting)
    with pytest.raises(ValidationError, match=complaint):
        NotificationSettings()
