"""Schemathesis fuzzes every service from its own OpenAPI document: no 5xx, no answer that breaks its schema.

Each operation gets a bounded number of generated requests, valid and invalid, sent with a
token of the role the route is for, so the requests reach the code behind the checks.
The platform is this module's own: the fuzzer leaves drafts and registrations behind.
"""

import json

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.journey import cheque_claim_draft, ok
from tests.support.people import iranian_national_code
from tests.support.platform import SERVICES, Platform

pytestmark = pytest.mark.fuzz

# No 5xx; every answer of a documented media type and shape (problem+json included).
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# Requests per operation and generation mode: enough to reach the bounds, small enough for CI.
EXAMPLES = 12


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value) -> bytes:
    """A batch of court notices: one JSON document per line (a generated body that is not a list is one line)."""
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


@pytest.fixture(scope="module")
def fuzzed(infrastructure):
    platform = Platform().start()
    yield platform
    platform.stop()


def tokens(platform: Platform) -> dict[str, dict[str, str]]:
    national_id = iranian_national_code(31_337)
    return {
        "citizen": platform.token(f"citizen-{national_id}", "citizen", national_id=national_id, jurisdiction="IR"),
        "court": platform.token("court-fuzz", "court", court_id="IR-THR-CIVIL"),
        "clerk": platform.token("clerk-fuzz", "clerk", office_id="office-fuzz"),
        "operator": platform.token("operator-fuzz", "operator"),
        "service": platform.token("gateway", "service"),
    }


def token_for(path: str, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    """The role the route is for, so the fuzzer gets past authentication."""
    if path.startswith("/court/"):
        return headers["court"]
    if path.startswith(("/paper-service", "/api/identity-proofs", "/api/auth/on-behalf")):
        return headers["clerk"]
    if path.startswith("/payments/reconciliations"):
        return headers["operator"]
    if path.startswith("/internal/"):
        return headers["service"]
    return headers["citizen"]


def owned_ids(platform: Platform, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    """A draft of the fuzzing citizen's own, so that generated requests reach past the look-up of the filing."""
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        national_id = iranian_national_code(31_337)
        draft = cheque_claim_draft(client, headers["citizen"], applicant=national_id,
                                   respondent=iranian_national_code(31_338))
        documents = ok(client.get(f"/api/filings/{draft['id']}", headers=headers["citizen"]))["documents"]
    return {"filing_id": draft["id"], "document_id": documents[0]["document_id"]}


def fuzz(operation, base_url: str, headers: dict[str, str], mode: GenerationMode, ids: dict[str, str]) -> int:
    """Send the operation's generated requests; how many were sent."""
    session = requests.Session()
    sent = []
    known = {p.name: ids[p.name] for p in operation.iter_parameters() if p.location == "path" and p.name in ids}

    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                         report_multiple_bugs=False)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode, path_parameters=known or None))
    def run(case) -> None:
        sent.append(case)
        case.call_and_validate(base_url=base_url, session=session, headers={**headers, **(case.headers or {})},
                               checks=CHECKS, timeout=30)

    run()
    return len(sent)


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_schema(fuzzed, service):
    base_url = fuzzed[service].url
    document = httpx.get(base_url + "/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    headers = tokens(fuzzed)
    ids = owned_ids(fuzzed, headers)
    failures, operations, sent = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                sent += fuzz(operation, base_url, token_for(operation.path, headers), mode, ids)
            except Unsatisfiable:  # nothing about the operation can be made invalid (no parameters, no body)
                continue
            except (Exception, BaseExceptionGroup) as failure:  # every operation's failure is told, not the first
                failures.append(f"{operation.label} ({mode.value}): {str(failure)[:1500]}")
    assert operations and sent >= operations, f"{service}: {sent} requests for {operations} operations"
    assert not failures, "\n\n".join(failures)
