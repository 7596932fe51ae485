"""Which public path goes to which service: the first segment after /api names the resource."""

ROUTES: dict[str, str] = {
    "filings": "filing",
    "subjects": "filing",
    "fees": "payment",
    "assessments": "payment",
    "payments": "payment",
    "notices": "notification",
    "eboxes": "notification",
    "courts": "registry",
    "offices": "registry",
    "jurisdiction": "registry",
}

# Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}
