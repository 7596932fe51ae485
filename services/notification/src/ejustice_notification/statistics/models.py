from pydantic import BaseModel, Field


class NoticeFigures(BaseModel):
    court_id: str | None = Field(description="None in the totals by channel.")
    kind: str | None
    channel: str
    month: str | None = Field(description="YYYY-MM the notices were issued in.")
    notices: int | None = Field(description="None when too few to show.")
    seen: int | None = Field(description="E-box: first viewed; paper: served in hand.")
    served: int | None
    seen_rate: float | None = Field(description="seen / notices, when both are shown.")
    mean_days_to_service: float | None


class FilingFigures(BaseModel):
    subject_code: str
    court_id: str | None
    filings: int | None


class FeeFigures(BaseModel):
    fee_code: str
    currency: str
    payments: int | None
    collected: int | None = Field(description="Minor units, net of refunds.")


class StatisticsRead(BaseModel):
    suppressed_below: int = Field(description="Counts from 1 to this minus one are not shown.")
    by_channel: list[NoticeFigures] = Field(description="The headline: e-box against paper.")
    notices: list[NoticeFigures] = Field(description="By court, notice kind, channel and month.")
    filings: list[FilingFigures]
    fees: list[FeeFigures]
