import httpx
from fastapi import Request, Response

from ejustice_gateway.proxy.models import HOP_BY_HOP, ROUTES
from ejustice_shared.context import correlation_id
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime


def upstream_for(runtime: ServiceRuntime, resource: str) -> str:
    service = ROUTES.get(resource)
    if service is None:
        raise Problem(404, "not-found", detail=f"There is no API resource '{resource}'.")
    return runtime.settings.upstreams()[service]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "body-too-large", detail=f"The request body may be at most {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise Problem(413, "body-too-large", detail=f"The request body may be at most {limit} bytes.")
    return bytes(body)


async def forward(runtime: ServiceRuntime, request: Request, resource: str, rest: str) -> Response:
    base = upstream_for(runtime, resource)
    client: httpx.AsyncClient = runtime.state["http"]
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["x-correlation-id"] = correlation_id.get() or ""
    if request.client:
        headers["x-forwarded-for"] = request.client.host
    body = await read_body(request, runtime.settings.max_body_bytes)
    path = f"/{resource}" + (f"/{rest}" if rest else "")
    try:
        answer = await client.request(request.method, base + path, params=request.query_params.multi_items(),
                                      headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise Problem(502, "upstream-unavailable",
                      detail=f"The {ROUTES[resource]} service did not answer; try again shortly.") from exc
    kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
    return Response(answer.content, status_code=answer.status_code, headers=kept)


async def upstream_readiness(runtime: ServiceRuntime) -> str | None:
    client: httpx.AsyncClient = runtime.state["http"]
    down = []
    for name, base in runtime.settings.upstreams().items():
        try:
            answer = await client.get(base + "/readyz", timeout=2)
            if answer.status_code != 200:
                down.append(name)
        except httpx.HTTPError:
            down.append(name)
    return f"not ready: {', '.join(down)}" if down else None
