from fastapi import APIRouter, Request, Response

from ejustice_gateway.proxy import service
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api", tags=["proxy"])

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route("/{resource}", methods=METHODS, include_in_schema=False)
@router.api_route("/{resource}/{rest:path}", methods=METHODS, include_in_schema=False)
async def proxy(resource: str, request: Request, runtime: Runtime, rest: str = "") -> Response:
    """Pass the request to the service that owns the resource; it checks the token itself too."""
    return await service.forward(runtime, request, resource, rest)
