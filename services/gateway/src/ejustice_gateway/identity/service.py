from datetime import timedelta

from ejustice_gateway.identity.models import DevelopmentTokenCreate, TokenRead
from ejustice_shared.auth import Principal, TokenIssuer
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime


def issuer(runtime: ServiceRuntime) -> TokenIssuer:
    settings = runtime.settings
    return TokenIssuer(private_key=settings.jwt_private_key, issuer=settings.jwt_issuer,
                       lifetime=timedelta(minutes=settings.access_token_minutes))


def issue_development_token(runtime: ServiceRuntime, create: DevelopmentTokenCreate) -> TokenRead:
    """Tokens for any principal, for development and tests only: production never issues these."""
    if runtime.settings.environment == "production":
        raise Problem(404, "not-found", detail="Development tokens are not issued in production.")
    minutes = runtime.settings.development_token_minutes
    token = runtime.state["issuer"].issue(Principal(**create.model_dump()), lifetime=timedelta(minutes=minutes))
    return TokenRead(access_token=token, expires_in=minutes * 60)
