"""A suspended or dissolved office's staff are refused at the gateway, on their very next request.

Why here: every request from a clerk's console passes the gateway, so one check covers the
filing, payment, notification and registry services alike, without each of them keeping its
own copy of the offices' licences; tokens stay stateless and short-lived, and this one look-up
(by `_id`, only for tokens that name an office) is what makes a suspension bite before they expire.
"""

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ejustice_gateway.offices.flows import OFFICE_STATUS
from ejustice_shared.auth import bearer_token
from ejustice_shared.problems import Problem, field_error, problem_response
from ejustice_shared.runtime import ServiceRuntime

REFUSED = {"suspended", "dissolved"}


async def office_refusal(runtime: ServiceRuntime, office_id: str) -> Problem | None:
    found = await runtime.db[OFFICE_STATUS].find_one({"_id": office_id}, {"status": 1})
    if found and found["status"] in REFUSED:
        return Problem(403, "office-not-licensed", errors=[field_error("office_id", "office-not-licensed",
                                                                       office=office_id, status=found["status"])])
    return None


class RefuseSuspendedOffices:
    """Middleware: a token naming a suspended or dissolved office is refused before anything is forwarded.

    Plain ASGI: Starlette's `BaseHTTPMiddleware` would run every request in another task and stream
    its answer through a queue, a cost on every request through the gateway.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            request = Request(scope)
            if request.headers.get("authorization"):
                try:
                    principal = request.app.state.token_verifier.verify(bearer_token(request))
                except Problem:
                    principal = None  # a bad token is refused where it is used
                if principal and principal.office_id:
                    if refusal := await office_refusal(request.app.state.runtime, principal.office_id):
                        await problem_response(request, refusal)(scope, receive, send)
                        return
        await self.app(scope, receive, send)
