"""The identity-proofing port: who vouches that a mobile belongs to a national ID, and for whom the e-ID speaks.

Two providers sit behind it, each with a sandbox that answers like the real one (same
answers, a round-trip delay, outages) and an adapter for the real service, chosen by
settings (production refuses the sandboxes):

- mobile ownership (Iran): the operators' inquiry "is this mobile registered to this national
  code?" → match, mismatch, unknown, or unavailable;
- national e-ID (Vietnam, VNeID level 2): the person signs in with the provider, which hands
  back a signed assertion (an OpenID Connect ID token) naming their citizen ID and phone.

Reserved numbers make the sandboxes' rarer answers reachable on purpose (README):
mobiles +98 912 999 1xxx are unknown to the operators, +98 912 999 2xxx find the inquiry
down; citizen IDs whose serial (last six digits) is 999000–999099 hold a level-1 VNeID
account, and 999100–999199 find the e-ID service down.
"""

import asyncio
import time
from typing import Protocol
from urllib.parse import urlencode

import httpx
import jwt

from ejustice_gateway.proofing.events import SandboxMobileOwnerClaimed
from ejustice_gateway.proofing.models import EidIdentity, Ownership, ProviderUnavailable
from ejustice_gateway.settings import GatewaySettings
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.runtime import ServiceRuntime

UNKNOWN_MOBILES = "+989129991"
UNAVAILABLE_MOBILES = "+989129992"
LEVEL_ONE_SERIALS = range(999000, 999100)
UNAVAILABLE_SERIALS = range(999100, 999200)


class EidRefused(Exception):
    """The e-ID's answer does not vouch for this registration; `code` says why (a message code)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- mobile ownership ------------------------------------------------------------------------------


class MobileOwnership(Protocol):
    name: str

    async def inquire(self, *, jurisdiction: str, national_id: str, mobile: str) -> Ownership:
        """Is the mobile registered to the national ID? Raises ProviderUnavailable when it cannot say."""
        ...


# The sandbox directory's owner of a national ID: the stream `sandbox-mobile-owner-<jurisdiction>-<id>`.
sandbox_owners = Aggregate("sandbox-mobile-owner", stream=lambda key: f"sandbox-mobile-owner-{key}", initial=None,
                           source="gateway", state_type=str | None,
                           subject=lambda key, state, event: event.national_id)


@sandbox_owners.evolves(SandboxMobileOwnerClaimed)
def _claimed(state: str | None, claimed: SandboxMobileOwnerClaimed, fact: Fact) -> str:
    return state or claimed.mobile


def claim_owner(owner: str | None, claimed: SandboxMobileOwnerClaimed) -> Decision:
    return Decision([] if owner else [claimed])


class SandboxMobileDirectory:
    """The operators' directory, kept in the gateway's database: a newcomer's first mobile becomes the owner.

    The first mobile that asks about a national ID claims it (a unique insert, so two racing
    mobiles cannot both win); any other mobile is then "not the owner".
    """

    name = "sandbox-mobile-directory"

    def __init__(self, runtime: ServiceRuntime, *, delay: float):
        self.runtime = runtime
        self.delay = delay

    async def owner(self, jurisdiction: str, national_id: str, *, claimant: str) -> str:
        claimed = SandboxMobileOwnerClaimed(jurisdiction=jurisdiction, national_id=national_id, mobile=claimant)
        outcome = await sandbox_owners.execute(self.runtime.commits, f"{jurisdiction}-{national_id}", claim_owner,
                                               claimed)
        return outcome.state

    async def inquire(self, *, jurisdiction: str, national_id: str, mobile: str) -> Ownership:
        await asyncio.sleep(self.delay)
        if mobile.startswith(UNAVAILABLE_MOBILES):
            await asyncio.sleep(self.delay)  # a timeout takes longer than an answer
            raise ProviderUnavailable(self.name)
        if mobile.startswith(UNKNOWN_MOBILES):
            return Ownership.UNKNOWN
        owner = await self.owner(jurisdiction, national_id, claimant=mobile)
        return Ownership.MATCH if owner == mobile else Ownership.MISMATCH


class HttpMobileOwnership:
    """A real inquiry service: POST {national_id, mobile} → {"result": "match" | "mismatch" | "unknown"}."""

    name = "mobile-operator-inquiry"

    def __init__(self, *, url: str, api_key: str, timeout: float, client: httpx.AsyncClient | None = None):
        self.url = url
        self.api_key = api_key
        self.timeout = timeout
        self.client = client or httpx.AsyncClient()

    async def inquire(self, *, jurisdiction: str, national_id: str, mobile: str) -> Ownership:
        try:
            answer = await self.client.post(self.url, json={"national_id": national_id, "mobile": mobile},
                                            headers={"authorization": f"Bearer {self.api_key}"},
                                            timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(self.name) from exc
        if answer.status_code != 200:
            retry_after = answer.headers.get("retry-after", "")
            raise ProviderUnavailable(self.name, int(retry_after) if retry_after.isdigit() else 30)
        try:
            return Ownership(answer.json()["result"])
        except (ValueError, KeyError, TypeError) as exc:  # an answer we cannot read decides nothing
            raise ProviderUnavailable(self.name) from exc


# --- national e-ID ---------------------------------------------------------------------------------


class NationalEid(Protocol):
    name: str

    def authorize_url(self, *, nonce: str) -> str:
        """Where the person signs in with the e-ID; the answer comes back bound to the nonce."""
        ...

    async def confirm(self, *, response: str, nonce: str) -> EidIdentity:
        """Check what the person brought back. Raises EidRefused, or ProviderUnavailable."""
        ...


def read_id_token(token: str, *, key: str, issuer: str, audience: str, nonce: str,
                  algorithms: list[str]) -> EidIdentity:
    """The signed assertion's claims, once its signature, issuer, audience, lifetime and nonce are right."""
    try:
        claims = jwt.decode(token, key, algorithms=algorithms, issuer=issuer, audience=audience,
                            options={"require": ["exp", "iat", "sub", "iss", "aud", "nonce"]})
    except jwt.PyJWTError as exc:
        raise EidRefused("eid-invalid") from exc
    if claims["nonce"] != nonce:
        raise EidRefused("eid-invalid")
    try:
        return EidIdentity(issuer=claims["iss"], subject=claims["sub"], citizen_id=str(claims["citizen_id"]),
                           phone_number=claims.get("phone_number"), level=int(claims.get("loa", 0)),
                           nonce=claims["nonce"])
    except (KeyError, ValueError) as exc:
        raise EidRefused("eid-invalid") from exc


# Public on purpose, like the development token keys: the sandbox's assertions vouch for nobody real, and
# production refuses the sandbox.
SANDBOX_EID_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDxmbyMhq2hEH8+AWO9vvt/upbc/Odr30LxfSVNrsdkc
-----END PRIVATE KEY-----
"""
SANDBOX_EID_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA3AoloQM0u8qzRlqJuWoFNMVuRizdaPb7YfG7zkhBnn8=
-----END PUBLIC KEY-----
"""
SANDBOX_EID_ISSUER = "https://vneid.sandbox.ejustice.example"


class SandboxNationalEid:
    """A VNeID stand-in. Its approval endpoint plays the citizen's app: it signs an ID token for the citizen
    ID, at level 2, for the phone the e-ID account was opened with (the first that asked, as for mobiles)."""

    name = "sandbox-vneid"

    def __init__(self, runtime: ServiceRuntime, *, directory: SandboxMobileDirectory, client_id: str, delay: float,
                 authorize_base: str):
        self.runtime = runtime
        self.directory = directory
        self.client_id = client_id
        self.delay = delay
        self.authorize_base = authorize_base

    def authorize_url(self, *, nonce: str) -> str:
        return f"{self.authorize_base}?{urlencode({'client_id': self.client_id, 'nonce': nonce})}"

    async def approve(self, *, citizen_id: str, mobile: str, nonce: str) -> str:
        """The citizen approves in the app on their phone; only the e-ID account's own phone can."""
        await asyncio.sleep(self.delay)
        if await self.directory.owner("VN", citizen_id, claimant=mobile) != mobile:
            raise EidRefused("eid-not-your-account")
        now = int(time.time())
        level = 1 if int(citizen_id[6:]) in LEVEL_ONE_SERIALS else 2
        claims = {"iss": SANDBOX_EID_ISSUER, "sub": f"vneid-{citizen_id}", "aud": self.client_id, "iat": now,
                  "exp": now + 300, "nonce": nonce, "citizen_id": citizen_id, "phone_number": mobile, "loa": level}
        return jwt.encode(claims, SANDBOX_EID_PRIVATE_KEY, algorithm="EdDSA")

    async def confirm(self, *, response: str, nonce: str) -> EidIdentity:
        await asyncio.sleep(self.delay)
        identity = read_id_token(response, key=SANDBOX_EID_PUBLIC_KEY, issuer=SANDBOX_EID_ISSUER,
                                 audience=self.client_id, nonce=nonce, algorithms=["EdDSA"])
        if identity.citizen_id[6:].isdigit() and int(identity.citizen_id[6:]) in UNAVAILABLE_SERIALS:
            raise ProviderUnavailable(self.name)
        return identity


class OidcNationalEid:
    """A real e-ID provider speaking OpenID Connect: the person comes back with an authorization code, which is
    exchanged at the token endpoint for an ID token signed with the provider's key."""

    name = "vneid"

    def __init__(self, settings: GatewaySettings, client: httpx.AsyncClient | None = None):
        self.settings = settings
        self.client = client or httpx.AsyncClient()

    def authorize_url(self, *, nonce: str) -> str:
        s = self.settings
        query = {"response_type": "code", "scope": "openid", "client_id": s.proofing_eid_client_id,
                 "redirect_uri": s.proofing_eid_redirect_url, "nonce": nonce, "state": nonce}
        return f"{s.proofing_eid_authorize_url}?{urlencode(query)}"

    async def confirm(self, *, response: str, nonce: str) -> EidIdentity:
        s = self.settings
        try:
            answer = await self.client.post(s.proofing_eid_token_url, timeout=s.proofing_timeout_seconds, data={
                "grant_type": "authorization_code", "code": response, "redirect_uri": s.proofing_eid_redirect_url,
                "client_id": s.proofing_eid_client_id, "client_secret": s.proofing_eid_client_secret})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(self.name) from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise ProviderUnavailable(self.name)
        if answer.status_code != 200:  # the code was wrong, used or expired
            raise EidRefused("eid-invalid")
        return read_id_token(answer.json().get("id_token", ""), key=s.proofing_eid_public_key,
                             issuer=s.proofing_eid_issuer, audience=s.proofing_eid_client_id, nonce=nonce,
                             algorithms=["EdDSA", "RS256", "ES256"])


def providers(runtime: ServiceRuntime) -> tuple[MobileOwnership, NationalEid]:
    """The providers the settings choose; the HTTP clients share the gateway's."""
    s: GatewaySettings = runtime.settings
    client: httpx.AsyncClient = runtime.state["http"]
    directory = SandboxMobileDirectory(runtime, delay=s.proofing_sandbox_delay_seconds)
    mobile: MobileOwnership = directory
    if s.proofing_mobile_provider == "http":
        mobile = HttpMobileOwnership(url=s.proofing_mobile_url, api_key=s.proofing_mobile_api_key,
                                     timeout=s.proofing_timeout_seconds, client=client)
    eid: NationalEid = OidcNationalEid(s, client) if s.proofing_eid_provider == "oidc" else SandboxNationalEid(
        runtime, directory=directory, client_id=s.proofing_eid_client_id, delay=s.proofing_sandbox_delay_seconds,
        authorize_base="/api/sandbox-eid/approvals")
    return mobile, eid
