"""What a batch settles for the notification service's own consumers, and the alerts' pace while it runs."""

import pytest

from ejustice_notification.alerting.service import RateLimit
from ejustice_notification.common import Settled
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.statistics.service import notice_fact, step_fact, step_key

pytestmark = pytest.mark.unit

CONTENT = NoticeContent(kind="summons", jurisdiction="IR", filing_id="f1", court_id="IR-THR-CIVIL",
                        tracking_code="123456789012", title={"fa": "t", "vi": "t", "en": "t"},
                        body={"fa": "b", "vi": "b", "en": "b"})


def test_a_settled_effect_is_skipped_once_then_done_the_usual_way():
    settled = Settled()
    settled.add(["stat_steps:n1/served"])
    assert settled.take("stat_steps:n1/served")
    assert not settled.take("stat_steps:n1/served")  # a second delivery does the idempotent work
    assert not settled.take("stat_steps:n2/served")  # never settled


def test_the_register_keeps_only_the_newest_keys():
    settled = Settled(limit=3)
    settled.add(f"k{n}" for n in range(5))
    assert len(settled) == 3
    assert not settled.take("k0") and not settled.take("k1")
    assert settled.take("k4")


def test_a_batch_counts_the_facts_its_consumer_would_count():
    fact = notice_fact(notice_id="n1", content=CONTENT, channel="ebox", created_at="2026-12-01T04:00:00+00:00")
    assert fact == {"_id": "n1", "court_id": "IR-THR-CIVIL", "kind": "summons", "channel": "ebox",
                    "month": "2026-12", "created_at": "2026-12-01T04:00:00+00:00"}
    served = step_fact(fact, step="served", at="2026-12-01T04:00:30+00:00")
    assert served == {"_id": "n1/served", "step": "served", "seconds": 30.0, "court_id": "IR-THR-CIVIL",
                      "kind": "summons", "channel": "ebox", "month": "2026-12"}
    # The key its consumer looks for is that of the fact inserted.
    assert step_key("n1", "served") == f"stat_steps:{served['_id']}"


def test_alerts_are_paced_slower_while_a_batch_is_served_and_never_faster_than_the_limit():
    serving = {"batches": 1}
    rate = RateLimit(100.0, yielding_per_second=4.0, yielding=lambda: serving["batches"] > 0)
    assert rate.reserve(10.0) == 0  # the first goes at once
    assert rate.reserve(10.0) == pytest.approx(0.25)  # the next a quarter of a second later, while it serves
    assert rate.per_second() == pytest.approx(4.0)
    serving["batches"] = 0
    assert rate.reserve(10.0) == pytest.approx(0.5)
    assert rate.reserve(10.0) == pytest.approx(0.51)  # the batch done: at the full rate again
    assert rate.per_second() == pytest.approx(100.0)
    assert rate.reserve(20.0) == 0  # a slot not taken is not saved up
    assert RateLimit(10.0, yielding_per_second=1000.0, yielding=lambda: True).yielding_interval == pytest.approx(0.1)
