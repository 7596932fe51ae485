"""The court client's CLI against a stand-in gateway (httpx.MockTransport) speaking the court API contract."""

import hashlib
import json

import httpx
import pytest

from ejustice_court_client import CourtApi
from ejustice_court_client.cli import EXIT_DIGEST_MISMATCH, EXIT_PROBLEM, EXIT_UNREACHABLE, EXIT_USAGE, main

CLIENT_ID, CLIENT_SECRET = "court-tehran-1", "s3cret"
FILING_ID, DOCUMENT_ID = "f-0001", "d-0001"
DOCUMENT = b"%PDF-1.7 the bounced cheque\n"
FILING = {
    "id": FILING_ID,
    "tracking_code": "140312345678",
    "status": "forwarded",
    "kind": "petition",
    "subject_code": "cheque-claim",
    "jurisdiction": "civil",
    "court_id": "court-tehran-1",
    "parties": [
        {"role": "claimant", "national_id": "0012345679", "name": "Sara Karimi", "city_id": "tehran"},
        {"role": "defendant", "national_id": "0045678912", "name": "Ali Rezaei", "city_id": "karaj"},
    ],
    "claim": {"amount": 500000000, "currency": "IRR"},
    "statement": "The cheque bounced on presentation.",
    "documents": [
        {
            "document_id": DOCUMENT_ID,
            "document_type": "cheque",
            "filename": "cheque.pdf",
            "media_type": "application/pdf",
            "size": len(DOCUMENT),
            "sha256": hashlib.sha256(DOCUMENT).hexdigest(),
        },
    ],
    "forwarded_at": "2026-05-10T09:30:00Z",
}
REASONS = [
    {
        "code": "missing-document",
        "names": {
            "en": "A required document is missing",
            "fa": "مدرک لازم پیوست نشده",
            "vi": "Thiếu tài liệu bắt buộc",
        },
    },
    {
        "code": "wrong-court",
        "names": {
            "en": "Not this court's jurisdiction",
            "fa": "خارج از صلاحیت این دادگاه",
            "vi": "Không thuộc thẩm quyền",
        },
    },
]


def problem(status: int, title: str, detail: str | None = None, errors: list | None = None) -> httpx.Response:
    body = {"type": "https://ejustice.example/problems/x", "title": title, "status": status}
    body |= {"detail": detail} if detail else {}
    body |= {"errors": errors} if errors else {}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


class FakeGateway:
    """The court API as the contract states it: a bearer token from client credentials, then the court's filings."""

    def __init__(self):
        self.requests: list[httpx.Request] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.filing = json.loads(json.dumps(FILING))
        self.document = DOCUMENT
        self.overrides: dict[tuple[str, str], httpx.Response] = {}

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/auth/court-token":
            if json.loads(request.content) != {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}:
                return problem(401, "Unauthorized", "Unknown client or wrong secret.")
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 900})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return problem(401, "Unauthorized")
        if (request.method, path) in self.overrides:
            return self.overrides[(request.method, path)]
        base = f"/api/court/filings/{self.filing['id']}"
        match request.method, path:
            case "GET", "/api/court/filings":
                status = request.url.params.get("status")
                return httpx.Response(200, json=[self.filing] if self.filing["status"] == status else [])
            case "GET", "/api/court/return-reasons":
                return httpx.Response(200, json=REASONS)
            case "GET", _ if path == base:
                return httpx.Response(200, json=self.filing)
            case "GET", _ if path == f"{base}/documents/{DOCUMENT_ID}":
                return httpx.Response(200, content=self.document, headers={"content-type": "application/pdf"})
            case "POST", _ if path == f"{base}/accept":
                self.filing["status"] = "accepted"
                return httpx.Response(200, json=self.filing)
            case "POST", _ if path == f"{base}/return":
                self.filing["status"] = "returned"
                return httpx.Response(200, json=self.filing)
        return problem(404, "Not Found", "No such filing for this court.")


@pytest.fixture
def gateway(monkeypatch) -> FakeGateway:
    monkeypatch.setenv("EJUSTICE_COURT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("EJUSTICE_COURT_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("EJUSTICE_URL", raising=False)
    return FakeGateway()


def run(gateway: FakeGateway, *argv: str) -> int:
    return main(list(argv), transport=httpx.MockTransport(gateway.handle))


def test_the_token_is_fetched_once_and_sent_with_every_call(gateway, capsys):
    assert run(gateway, "inbox") == 0
    assert run(gateway, "reasons") == 0
    token_calls = gateway.calls("POST", "/api/auth/court-token")
    assert len(token_calls) == 2  # one per run: each CLI run is its own session
    inbox = gateway.calls("GET", "/api/court/filings")[0]
    assert inbox.url.host == "127.0.0.1" and inbox.url.port == 8000  # the default gateway
    assert inbox.url.params["status"] == "forwarded"
    assert inbox.headers["authorization"] == "Bearer token-1"
    assert gateway.calls("GET", "/api/court/return-reasons")[0].headers["authorization"] == "Bearer token-2"

    api = CourtApi("http://gateway.test", CLIENT_ID, CLIENT_SECRET, transport=httpx.MockTransport(gateway.handle))
    api.inbox()
    api.filing(FILING_ID)
    assert gateway.tokens_issued == 3  # the session fetched its token once for both calls


def test_a_401_fetches_a_new_token_and_tries_again_once(gateway):
    api = CourtApi("http://gateway.test", CLIENT_ID, CLIENT_SECRET, transport=httpx.MockTransport(gateway.handle))
    assert api.filing(FILING_ID)["id"] == FILING_ID
    gateway.revoke_tokens()
    assert api.filing(FILING_ID)["id"] == FILING_ID
    assert gateway.tokens_issued == 2
    assert [r.headers.get("authorization") for r in gateway.calls("GET", f"/api/court/filings/{FILING_ID}")] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


def test_settings_come_from_flags_over_the_environment(gateway, monkeypatch, capsys):
    monkeypatch.setenv("EJUSTICE_URL", "http://gateway.court.test:9000")
    monkeypatch.setenv("EJUSTICE_COURT_CLIENT_SECRET", "wrong")
    assert run(gateway, "--client-secret", CLIENT_SECRET, "inbox") == 0
    assert str(gateway.requests[-1].url).startswith("http://gateway.court.test:9000/api/court/filings")


def test_bad_credentials_are_a_readable_problem_and_nothing_else_is_asked(gateway, monkeypatch, capsys):
    monkeypatch.setenv("EJUSTICE_COURT_CLIENT_SECRET", "wrong")
    assert run(gateway, "inbox") == EXIT_PROBLEM
    err = capsys.readouterr().err
    assert "401" in err and "Unauthorized" in err and "Unknown client or wrong secret." in err
    assert [r.url.path for r in gateway.requests] == ["/api/auth/court-token"]


def test_missing_credentials_stop_before_any_request(gateway, monkeypatch, capsys):
    monkeypatch.delenv("EJUSTICE_COURT_CLIENT_SECRET")
    assert run(gateway, "inbox") == EXIT_USAGE
    assert "EJUSTICE_COURT_CLIENT_SECRET" in capsys.readouterr().err
    assert gateway.requests == []


def test_inbox_prints_a_table(gateway, capsys):
    assert run(gateway, "inbox") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "TRACKING", "CODE", "KIND", "SUBJECT", "CLAIM", "PARTIES", "DOCS", "FORWARDED"]
    for value in (
        FILING_ID,
        "140312345678",
        "petition",
        "cheque-claim",
        "500,000,000 IRR",
        "claimant: Sara Karimi; defendant: Ali R…",  # cut to 40: `show` has it all
        "2026-05-10T09:30:00Z",
    ):
        assert value in row
    assert header.index("CLAIM") == row.index("500,000,000 IRR")  # the columns line up


def test_inbox_json_is_the_gateways_list(gateway, capsys):
    assert run(gateway, "inbox", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [FILING]
    gateway.filing["status"] = "accepted"
    assert run(gateway, "inbox") == 0
    assert capsys.readouterr().out.strip() == "No forwarded filings."


def test_show_prints_parties_statement_and_documents(gateway, capsys):
    assert run(gateway, "show", FILING_ID) == 0
    out = capsys.readouterr().out
    for value in (
        "Tracking code:",
        "140312345678",
        "civil",
        "0045678912",
        "karaj",
        "The cheque bounced on presentation.",
        "cheque.pdf",
        FILING["documents"][0]["sha256"],
    ):
        assert value in out


def test_accept_sends_the_case_number_and_branch(gateway, capsys):
    assert run(gateway, "accept", FILING_ID, "--case-number", "1403-123", "--branch", "branch-7") == 0
    sent = gateway.calls("POST", f"/api/court/filings/{FILING_ID}/accept")
    assert [json.loads(r.content) for r in sent] == [{"case_number": "1403-123", "branch_id": "branch-7"}]
    assert "status accepted" in capsys.readouterr().out


def test_return_sends_each_reason_with_its_note(gateway, capsys):
    assert (
        run(
            gateway,
            "return",
            FILING_ID,
            "--reason",
            "missing-document:Attach the cheque: front and back",
            "--reason",
            "wrong-court",
        )
        == 0
    )
    sent = gateway.calls("POST", f"/api/court/filings/{FILING_ID}/return")
    assert [json.loads(r.content) for r in sent] == [
        {
            "reasons": [
                {"code": "missing-document", "note": "Attach the cheque: front and back"},
                {"code": "wrong-court"},
            ]
        }
    ]
    assert "status returned" in capsys.readouterr().out


def test_a_return_without_a_reason_is_refused_before_sending(gateway, capsys):
    assert run(gateway, "return", FILING_ID) == EXIT_USAGE
    assert run(gateway, "return", FILING_ID, "--reason", ":only a note") == EXIT_USAGE
    assert "give a reason code" in capsys.readouterr().err
    assert gateway.requests == []


def test_reasons_are_listed_in_the_chosen_language(gateway, capsys):
    assert run(gateway, "--lang", "fa", "reasons") == 0
    out = capsys.readouterr().out
    assert "wrong-court" in out and "خارج از صلاحیت این دادگاه" in out
    assert gateway.calls("GET", "/api/court/return-reasons")[0].headers["accept-language"] == "fa"


def test_a_problem_is_printed_with_each_field_and_fails(gateway, capsys):
    path = f"/api/court/filings/{FILING_ID}/return"
    gateway.overrides[("POST", path)] = problem(
        422,
        "Some of what you sent needs correcting.",
        "Unknown return reason codes.",
        [
            {"field": "reasons.0.code", "code": "unknown_reason", "reason": "No return reason 'typo'."},
            {"field": "reasons.1.code", "code": "unknown_reason", "reason": "No return reason 'other'."},
        ],
    )
    assert run(gateway, "return", FILING_ID, "--reason", "typo", "--reason", "other") == EXIT_PROBLEM
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "Error 422: Some of what you sent needs correcting.",
        "  Unknown return reason codes.",
        "  - reasons.0.code: No return reason 'typo'. [unknown_reason]",
        "  - reasons.1.code: No return reason 'other'. [unknown_reason]",
    ]


def test_an_answer_that_is_not_problem_json_still_fails_readably(gateway, capsys):
    gateway.overrides[("POST", f"/api/court/filings/{FILING_ID}/accept")] = httpx.Response(502, text="<html>bad")
    assert run(gateway, "accept", FILING_ID, "--case-number", "1", "--branch", "b") == EXIT_PROBLEM
    assert capsys.readouterr().err.strip() == "Error 502: Bad Gateway"


def test_fetch_writes_a_document_whose_sha256_matches(gateway, tmp_path, capsys):
    out = tmp_path / "cheque-copy.pdf"
    assert run(gateway, "fetch", FILING_ID, DOCUMENT_ID, "--out", str(out)) == 0
    assert out.read_bytes() == DOCUMENT
    assert run(gateway, "fetch", FILING_ID, DOCUMENT_ID, "--out", str(tmp_path)) == 0  # a directory: listed name
    assert (tmp_path / "cheque.pdf").read_bytes() == DOCUMENT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cheque-copy.pdf", "cheque.pdf"]


def test_fetch_refuses_a_document_whose_sha256_differs(gateway, tmp_path, capsys):
    gateway.document = DOCUMENT.replace(b"bounced", b"cleared")
    out = tmp_path / "cheque.pdf"
    assert run(gateway, "fetch", FILING_ID, DOCUMENT_ID, "--out", str(out)) == EXIT_DIGEST_MISMATCH
    err = capsys.readouterr().err
    assert hashlib.sha256(gateway.document).hexdigest() in err and FILING["documents"][0]["sha256"] in err
    assert list(tmp_path.iterdir()) == []  # nothing kept, not even the partial download


def test_fetch_of_a_document_the_filing_does_not_list_asks_for_no_bytes(gateway, tmp_path, capsys):
    assert run(gateway, "fetch", FILING_ID, "d-unknown", "--out", str(tmp_path / "x")) == EXIT_PROBLEM
    assert "lists no document d-unknown" in capsys.readouterr().err
    assert not [r for r in gateway.requests if "/documents/" in r.url.path]


def test_an_unreachable_gateway_is_said_plainly(gateway, capsys):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    assert main(["inbox"], transport=httpx.MockTransport(refuse)) == EXIT_UNREACHABLE
    assert "Cannot reach the gateway at http://127.0.0.1:8000" in capsys.readouterr().err


def test_fetch_into_a_missing_folder_says_so(gateway, tmp_path, capsys):
    assert run(gateway, "fetch", FILING_ID, DOCUMENT_ID, "--out", str(tmp_path / "missing" / "x.pdf")) == EXIT_PROBLEM
    assert "Cannot write" in capsys.readouterr().err and not (tmp_path / "missing").exists()
