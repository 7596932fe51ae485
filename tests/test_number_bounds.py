"""Every number a request carries has bounds the store can hold, and a number out of bounds is told, not a 500."""

import httpx

from tests.support.journey import citizen, ok
from tests.support.platform import SERVICES
from tests.support.stores import commits

INT64_MAX = 2**63 - 1
PROBLEM = "application/problem+json"


def numbers_in(schema: dict, components: dict, where: str, seen: frozenset = frozenset()):
    """(where, schema) for every integer or number a JSON schema admits, following $refs."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from numbers_in(components[name], components, where, seen | {name})
        return
    if schema.get("type") in ("integer", "number"):
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from numbers_in(option, components, where, seen)
    for name, child in schema.get("properties", {}).items():
        yield from numbers_in(child, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from numbers_in(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from numbers_in(schema["additionalProperties"], components, f"{where}{{}}", seen)


def test_every_number_a_request_carries_is_bounded(platform):
    unbounded, found = [], 0
    for service in SERVICES:
        document = httpx.get(platform[service].url + "/openapi.json", timeout=10).json()
        components = document.get("components", {}).get("schemas", {})
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                sources = [(f"{p['in']} {p['name']}", p.get("schema", {})) for p in operation.get("parameters", [])]
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    sources.append(("body", media.get("schema", {})))
                for origin, schema in sources:
                    for where, number in numbers_in(schema, components, origin):
                        found += 1
                        high = number.get("maximum", number.get("exclusiveMaximum"))
                        low = number.get("minimum", number.get("exclusiveMinimum"))
                        if high is None or low is None or high > INT64_MAX or low < -INT64_MAX - 1:
                            unbounded.append(f"{service} {method.upper()} {path}: {where} {number}")
    assert found >= 2, "the claim amount and the SMS outbox's limit are numbers; the walk found too few"
    assert not unbounded, "numbers without bounds the store can hold:\n" + "\n".join(unbounded)


def test_an_absurd_claim_amount_is_told_in_the_readers_language_and_not_stored(platform):
    headers, _ = citizen(platform, 4_711)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        draft = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                               headers=headers), 201)
        before = ok(client.get(f"/api/filings/{draft['id']}", headers=headers))
        for amount, language, reason in ((10**20, "fa", "حداکثر"), (2**63, "vi", "tối đa"),
                                         (10**15 + 1, "en", "at most 1000000000000000")):
            answer = client.put(f"/api/filings/{draft['id']}/claim", headers=headers | {"accept-language": language},
                                json={"claim": {"amount": amount, "currency": "IRR"}})
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"] == PROBLEM
            (error,) = answer.json()["errors"]
            assert error["field"] == "claim.amount" and error["code"] == "less_than_equal"
            assert reason in error["reason"], error
        assert ok(client.get(f"/api/filings/{draft['id']}", headers=headers)) == before


async def test_the_largest_claim_is_stored_and_persian_digits_are_numbers(platform):
    headers, _ = citizen(platform, 4_712)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        draft = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                               headers=headers), 201)
        largest = ok(client.put(f"/api/filings/{draft['id']}/claim", headers=headers,
                                json={"claim": {"amount": 10**15, "currency": "IRR"}}))
        assert largest["claim"]["amount"] == 10**15
        typed = ok(client.put(f"/api/filings/{draft['id']}/claim", headers=headers,
                              json={"claim": {"amount": "۵۰۰٬۰۰۰٬۰۰۰", "currency": "IRR"}}))
        assert typed["claim"]["amount"] == 500_000_000
        stored = [c for c in await commits(platform.database("filing"), f"filing-{draft['id']}")]
        assert stored and all(isinstance(e["data"]["claim"]["amount"], int)
                              for c in stored for e in c["events"] if e["type"] == "filing.claim_set")
        assert client.get("/api/sandbox-sms", params={"to": "+989120000001", "limit": "۲"}).status_code == 200
        too_many = client.get("/api/sandbox-sms", params={"to": "+989120000001", "limit": "۱۰۰۰"},
                              headers={"accept-language": "en"})
        assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "query.limit"
