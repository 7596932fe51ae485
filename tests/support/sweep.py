"""The role matrix and the routes the services document, for the authorization sweep."""

import csv
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.platform import ROOT, SERVICES, Platform

MATRIX = ROOT / "docs" / "security" / "role-matrix.csv"
ROLES = ("anonymous", "citizen", "lawyer", "clerk", "court", "operator", "service")
ACCESS = {"yes", "own", "no"}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


@dataclass(frozen=True)
class Rule:
    """One row of the matrix: how the route is reached, and who may call it."""

    route: Route
    via: str  # "gateway": public through the gateway; "direct": to the service only
    access: dict[str, str]  # role → yes (anyone of the role) / own (only on their own resources) / no
    notes: str

    @property
    def public(self) -> bool:
        return self.access["anonymous"] == "yes"

    def url(self, platform: Platform, path: str) -> str:
        if self.via == "direct":
            return platform[self.route.service].url + path
        if self.route.service == "gateway":
            return platform.gateway + path
        return platform.gateway + "/api" + path


def read_matrix(path: Path = MATRIX) -> dict[Route, Rule]:
    rules: dict[Route, Rule] = {}
    with path.open(newline="", encoding="utf-8") as table:
        for row in csv.DictReader(table):
            route = Route(row["served_by"], row["method"].upper(), row["path"])
            access = {role: row[role].strip() for role in ROLES}
            bad = {role: value for role, value in access.items() if value not in ACCESS}
            assert not bad, f"{path.name}: {route} has unknown access values {bad}"
            assert row["via"] in {"gateway", "direct"}, f"{path.name}: {route} via must be gateway or direct"
            assert route not in rules, f"{path.name}: {route} is listed twice"
            rules[route] = Rule(route, row["via"], access, row["notes"])
    return rules


def documented_routes(platform: Platform) -> dict[Route, dict]:
    """Every operation of every service, from the OpenAPI document the service serves."""
    routes = {}
    for service in SERVICES:
        document = httpx.get(platform[service].url + "/openapi.json", timeout=10).json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                routes[Route(service, method.upper(), path)] = operation
    return routes
