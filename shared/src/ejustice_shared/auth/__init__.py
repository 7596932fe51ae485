"""Access tokens: the gateway issues them, every service verifies them.

Tokens are EdDSA-signed JWTs, so only the gateway (holding the private key) can mint
one, while every service checks it with the public key alone.
"""

import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

import jwt
from cachetools import LRUCache
from fastapi import Depends, Request
from pydantic import BaseModel

from ejustice_shared.problems import Problem

ALGORITHM = "EdDSA"
VERIFIED_KEPT = 10_000  # tokens whose signature this process checked already


class Role(StrEnum):
    CITIZEN = "citizen"
    LAWYER = "lawyer"
    CLERK = "clerk"
    COURT = "court"
    OPERATOR = "operator"
    # Another ejustice service calling an internal endpoint, with a token the gateway minted.
    SERVICE = "service"


class Principal(BaseModel):
    """Who is acting: the subject, their roles, and for court users the court they speak for."""

    subject: str
    roles: list[Role]
    name: str | None = None
    # For citizens and lawyers: who they are, so filings naming them as a party are theirs to see.
    national_id: str | None = None
    jurisdiction: Literal["IR", "VN"] | None = None
    # For lawyers: their bar licence number, by which a filer may grant them power of attorney.
    bar_number: str | None = None
    court_id: str | None = None
    office_id: str | None = None
    # For office staff: the counter they signed in at, and their role in the office (manager or clerk).
    counter: str | None = None
    office_role: Literal["manager", "clerk"] | None = None
    # Set when a clerk acts for a citizen: the dossier records who acted on whose behalf.
    on_behalf_of: str | None = None
    # The filing the citizen confirmed, by a one-time code on their phone, that the clerk may submit for them.
    confirmed_filing: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def acting_for(self) -> str | None:
        """The account a clerk acts for; only a clerk's token may act for someone else."""
        return self.on_behalf_of if self.has(Role.CLERK) else None

    def as_actor(self) -> dict:
        """Who acted, as a dossier entry records it: never their personal numbers."""
        actor = {"subject": self.subject, "roles": [str(r) for r in self.roles], "on_behalf_of": self.on_behalf_of}
        if self.court_id:
            actor["court_id"] = self.court_id
        if self.office_id:
            actor["office_id"] = self.office_id
        if self.confirmed_filing:
            actor["confirmed_by_citizen"] = True
        return actor


class TokenIssuer:
    def __init__(self, *, private_key: str, issuer: str, lifetime: timedelta = timedelta(hours=1)):
        self._key = private_key
        self._issuer = issuer
        self._lifetime = lifetime

    @property
    def lifetime(self) -> timedelta:
        return self._lifetime

    def issue(self, principal: Principal, *, lifetime: timedelta | None = None) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": self._issuer,
            "sub": principal.subject,
            "iat": now,
            "exp": now + (lifetime or self._lifetime),
            "roles": [str(role) for role in principal.roles],
            **principal.model_dump(exclude={"subject", "roles"}, exclude_none=True),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class TokenVerifier:
    def __init__(self, *, public_key: str, issuer: str):
        self._key = public_key
        self._issuer = issuer
        # A session sends the same token with every request, to the gateway and to a service: its signature
        # gives the same answer every time, so it is checked once; its expiry is checked on every use.
        self._verified: LRUCache[str, tuple[int, Principal]] = LRUCache(maxsize=VERIFIED_KEPT)

    def verify(self, token: str) -> Principal:
        if (known := self._verified.get(token)) is not None and known[0] > time.time():
            return known[1]
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Problem(401, "token-expired", detail="The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Problem(401, "token-invalid", detail="The access token is not valid.") from exc
        principal = Principal(subject=claims["sub"], **{k: v for k, v in claims.items() if k in _OPTIONAL_CLAIMS})
        self._verified[token] = (claims["exp"], principal)
        return principal


_OPTIONAL_CLAIMS = {"roles", "name", "national_id", "jurisdiction", "bar_number", "court_id", "office_id",
                    "on_behalf_of", "counter", "office_role", "confirmed_filing"}


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "authentication-required", detail="Send an access token: Authorization: Bearer <token>.")
    return token.strip()


async def authenticate(request: Request) -> Principal:
    # async, like every dependency here: a plain function would run in a worker thread, a hop per request.
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(bearer_token(request))


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(*roles: Role):
    """A dependency that admits principals holding any of the roles."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not any(principal.has(role) for role in roles):
            raise Problem(403, "forbidden", detail="This action needs the role: " + ", ".join(roles))
        return principal

    return Depends(check)


__all__ = [
    "CurrentPrincipal", "Principal", "Role", "TokenIssuer", "TokenVerifier", "authenticate", "require"
]
