"""The public statistics as a page: the notification service's figures arranged for reading and for charts.

The figures come already stripped of personal data, with small counts suppressed (None); nothing here
recomputes a suppressed count from others, so a total is only a sum of what is shown.
"""

from dataclasses import dataclass

CHANNELS = ("ebox", "paper")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its share of the chart's width (0 to 100) and the figure it stands for."""

    key: str
    share: float
    value: float


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def headline(figures: dict) -> list[dict]:
    """E-box against paper, in that order, each channel once (a channel with no notices yet is left out)."""
    rows = {row["channel"]: row for row in figures.get("by_channel", [])}
    return [{**rows[c], "seen_percent": percent(rows[c]["seen_rate"])} for c in CHANNELS if c in rows]


def seen_rate_bars(rows: list[dict]) -> list[Bar]:
    """Seen rate per channel: bars on a 0-100 % scale, so two channels compare at a glance."""
    return [Bar(row["channel"], row["seen_percent"], row["seen_percent"]) for row in rows
            if row["seen_percent"] is not None]


def scaled(values: dict[str, int]) -> list[Bar]:
    """Counts as bars scaled to the largest, largest first (ties by key, for a stable page)."""
    top = max(values.values(), default=0)
    return [Bar(key, round(100 * value / top, 1) if top else 0.0, value)
            for key, value in sorted(values.items(), key=lambda item: (-item[1], item[0]))]


def filings_by_subject(figures: dict) -> dict[str, int]:
    """Shown filings per subject, all courts together; suppressed cells add nothing."""
    totals: dict[str, int] = {}
    for row in figures.get("filings", []):
        if row["filings"] is not None:
            totals[row["subject_code"]] = totals.get(row["subject_code"], 0) + row["filings"]
    return totals


def notice_rows(figures: dict) -> list[dict]:
    """By court, kind, channel and month: newest month first, then as the service sorted them."""
    rows = [{**row, "seen_percent": percent(row["seen_rate"])} for row in figures.get("notices", [])]
    return sorted(rows, key=lambda r: r["month"] or "", reverse=True)


def page(figures: dict) -> dict:
    channels = headline(figures)
    subjects = filings_by_subject(figures)
    return {"suppressed_below": figures.get("suppressed_below"), "channels": channels,
            "seen_chart": seen_rate_bars(channels), "subject_chart": scaled(subjects),
            "notices": notice_rows(figures), "filings": figures.get("filings", []), "fees": figures.get("fees", [])}
