"""The gateway's court API over HTTP, for a court's own systems: read its forwarded filings and answer them."""

import hashlib
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

TOKEN_PATH = "/api/auth/court-token"


class ApiProblem(Exception):
    """An RFC 9457 problem answered by the gateway (or one that stands in for a non-problem error answer)."""

    def __init__(
        self, status: int, title: str, *, detail: str | None = None, errors: list[dict[str, Any]] | None = None
    ):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiProblem":
        response.read()  # a streamed answer has no body until read
        try:
            body = response.json()
        except ValueError:  # not JSON: a proxy's HTML page, say
            body = None
        if not isinstance(body, dict):
            body = {}
        errors = body.get("errors")
        return cls(
            response.status_code,
            body.get("title") or response.reason_phrase or f"HTTP {response.status_code}",
            detail=body.get("detail"),
            errors=errors if isinstance(errors, list) else None,
        )


class DigestMismatch(Exception):
    """The downloaded bytes are not the document the filing lists: nothing was kept."""

    def __init__(self, document: dict[str, Any], actual_sha256: str):
        super().__init__(f"document {document['document_id']}: SHA-256 {actual_sha256} != listed {document['sha256']}")
        self.document = document
        self.actual_sha256 = actual_sha256


def _segment(value: str) -> str:
    """One path segment: typed ids must not walk to another path ('../')."""
    return quote(value, safe="")


class CourtApi:
    """The court's session with the gateway. The token is fetched on first use and fetched again on a 401."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        language: str = "en",
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self._credentials = {"client_id": client_id, "client_secret": client_secret}
        self._token: str | None = None
        self._http = httpx.Client(
            base_url=base_url, transport=transport, timeout=timeout, headers={"accept-language": language}
        )

    def __enter__(self) -> "CourtApi":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _fetch_token(self) -> str:
        response = self._http.post(TOKEN_PATH, json=self._credentials)
        if response.is_error:
            raise ApiProblem.from_response(response)
        return response.json()["access_token"]

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        stream: bool = False,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        fresh = self._token is None
        if fresh:
            self._token = self._fetch_token()
        headers = {"authorization": f"Bearer {self._token}"} | ({"content-type": content_type} if content_type else {})
        request = self._http.build_request(method, path, json=json, params=params, content=content, headers=headers)
        response = self._http.send(request, stream=stream)
        if response.status_code == 401 and not fresh:  # the token expired or was revoked: one more try
            response.close()
            self._token = None
            return self._send(
                method, path, json=json, params=params, stream=stream, content=content, content_type=content_type
            )
        if response.is_error:
            try:
                raise ApiProblem.from_response(response)
            finally:
                response.close()
        return response

    def inbox(self, status: str = "forwarded") -> list[dict[str, Any]]:
        return self._send("GET", "/api/court/filings", params={"status": status}).json()

    def filing(self, filing_id: str) -> dict[str, Any]:
        return self._send("GET", f"/api/court/filings/{_segment(filing_id)}").json()

    def return_reasons(self) -> list[dict[str, Any]]:
        return self._send("GET", "/api/court/return-reasons").json()

    def accept(self, filing_id: str, *, case_number: str, branch_id: str) -> dict[str, Any]:
        body = {"case_number": case_number, "branch_id": branch_id}
        return self._send("POST", f"/api/court/filings/{_segment(filing_id)}/accept", json=body).json()

    def return_filing(self, filing_id: str, reasons: list[dict[str, str]]) -> dict[str, Any]:
        """Returns the filing for correction; each reason is {"code"} or {"code", "note"}."""
        body = {"reasons": reasons}
        return self._send("POST", f"/api/court/filings/{_segment(filing_id)}/return", json=body).json()

    def post_notice(self, notice: dict[str, Any]) -> dict[str, Any]:
        """Serve a notice on one of the court's cases; the same reference posted again changes nothing."""
        return self._send("POST", "/api/court-notices", json=notice).json()

    def notice(self, reference: str) -> dict[str, Any]:
        """The court's notice and each addressee's lifecycle."""
        return self._send("GET", f"/api/court-notices/{_segment(reference)}").json()

    def post_batch(self, ndjson: bytes) -> dict[str, Any]:
        """A batch of notices, one JSON object a line (at most 100,000): accepted whole, served in the background."""
        return self._send("POST", "/api/court-notices/batches", content=ndjson,
                          content_type="application/x-ndjson").json()

    def batch(self, batch_id: str) -> dict[str, Any]:
        return self._send("GET", f"/api/court-notices/batches/{_segment(batch_id)}").json()

    def save_document(self, filing_id: str, document_id: str, out: Path) -> tuple[dict[str, Any], Path]:
        """Downloads a document the filing lists to `out` (a file, or a directory for the listed file name).

        The bytes go to a `.part` file first and are kept only if their SHA-256 is the listed one, so a
        corrupt or substituted download never lands where the court's systems would pick it up.
        """
        listed = next(
            (
                document
                for document in self.filing(filing_id).get("documents", [])
                if document.get("document_id") == document_id
            ),
            None,
        )
        if listed is None:
            raise ApiProblem(404, "Document not listed", detail=f"Filing {filing_id} lists no document {document_id}.")
        listed_name = Path(str(listed.get("filename") or "")).name  # never a path the gateway chose
        target = out / (listed_name if listed_name not in ("", "..") else document_id) if out.is_dir() else out
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        path = f"/api/court/filings/{_segment(filing_id)}/documents/{_segment(document_id)}"
        try:
            with closing(self._send("GET", path, stream=True)) as response, partial.open("wb") as file:
                for chunk in response.iter_bytes():
                    digest.update(chunk)
                    file.write(chunk)
            if digest.hexdigest() != str(listed["sha256"]).lower():
                raise DigestMismatch(listed, digest.hexdigest())
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return listed, target
