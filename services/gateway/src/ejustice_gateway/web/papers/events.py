"""Papers the portal issued as PDF (stream `paper-<verification code>`): what a verifier is shown."""

from ejustice_shared.events import EventData


class PaperIssued(EventData):
    type = "paper.issued"
    published = False

    code: str
    kind: str  # filing, notice
    reference: str  # the filing's tracking code, the notice's id
    title: dict[str, str]
    facts: dict[str, str]
    issued_at: str
