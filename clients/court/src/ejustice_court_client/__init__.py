"""ejustice court client: what a court's IT team starts from to read and answer its filings."""

from ejustice_court_client.api import ApiProblem, CourtApi

__all__ = ["ApiProblem", "CourtApi"]
