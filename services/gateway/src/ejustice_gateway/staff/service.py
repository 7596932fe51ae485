"""Office staff sign in as themselves: the registry checks password and TOTP code, the gateway issues the token.

The token names the office, the counter and the staff member's role there. There is no refresh
token: staff sign in again (with a fresh code) when it expires, so a suspension or a removed
account never outlives one access token, and the gateway refuses even that one (offices/service.py).
"""

import httpx

from ejustice_gateway.identity.models import TokenRead
from ejustice_gateway.staff.models import StaffSignInCreate
from ejustice_shared.auth import Principal, Role
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime


async def sign_in(runtime: ServiceRuntime, *, attempt: StaffSignInCreate) -> TokenRead:
    issuer = runtime.state["issuer"]
    service_token = issuer.issue(Principal(subject="gateway", roles=[Role.SERVICE]))
    client: httpx.AsyncClient = runtime.state["http"]
    try:
        answer = await client.post(runtime.settings.registry_url + "/internal/staff/sign-in",
                                   headers={"authorization": f"Bearer {service_token}"},
                                   json=attempt.model_dump())
    except httpx.HTTPError as exc:
        raise Problem(503, "registry-unavailable", detail="Sign-in is unavailable just now; try again shortly.") \
            from exc
    if answer.status_code != 200:  # the registry's refusal, as it said it
        body = answer.json()
        raise Problem(answer.status_code, body.get("type", "").rsplit("/", 1)[-1] or "sign-in-refused",
                      detail=body.get("detail"), errors=body.get("errors"),
                      headers={k: v for k, v in answer.headers.items() if k.lower() == "retry-after"} or None)
    staff = answer.json()
    principal = Principal(subject=staff["staff_id"], roles=[Role.CLERK], name=staff["name"],
                          office_id=staff["office_id"], counter=staff["counter"], office_role=staff["role"])
    return TokenRead(access_token=issuer.issue(principal), expires_in=runtime.settings.access_token_minutes * 60)
