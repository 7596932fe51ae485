from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ejustice_shared.auth.keys import DEVELOPMENT_CHECKPOINT_PRIVATE_KEY
from ejustice_shared.settings import ServiceSettings, shared


class FilingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FILING_", extra="ignore", frozen=True)

    service_name: str = "filing"
    port: int = shared("PORT", 8001)
    registry_url: str = "http://127.0.0.1:8004"
    # How long the registry's answer on a competent court is reused: its rules are reference data, read
    # when it starts, so an answer changes only with a new deployment of the registry.
    court_answer_seconds: float = Field(300.0, ge=0)
    max_document_bytes: int = 10 * 1024 * 1024
    # Signed dossier checkpoints: how often (0 turns the signer off in this process), where the
    # append-only log lives (outside the database; replicas that sign share it), and the Ed25519 key.
    checkpoint_seconds: float = Field(10.0, ge=0)
    checkpoint_log: str = ".data/checkpoints/dossier.log"
    checkpoint_private_key: str = DEVELOPMENT_CHECKPOINT_PRIVATE_KEY

    def secrets(self) -> dict[str, str]:
        return {**super().secrets(), "FILING_CHECKPOINT_PRIVATE_KEY": self.checkpoint_private_key}
