"""Which public path goes to which service: the first segment after /api names the resource."""

ROUTES: dict[str, str] = {
    "filings": "filing",
    "subjects": "filing",
    "court": "filing",  # the court API: a court's own filings, accept, return
    "dossier-checkpoints": "filing",  # public: the signed checkpoints and their key
    "fees": "payment",
    "assessments": "payment",
    "payments": "payment",
    "receipts": "payment",
    "notices": "notification",
    "eboxes": "notification",
    "paper-service": "notification",
    "sandbox-sms": "notification",
    "sandbox-email": "notification",
    "court-notices": "notification",  # a court's notices on its cases, one by one or in batches
    "outages": "notification",  # the public outage register
    "notice-monitor": "notification",  # stuck notices, for operators
    "statistics": "notification",  # public statistics: no personal data, small counts suppressed
    "courts": "registry",
    "cities": "registry",
    "provinces": "registry",
    "offices": "registry",
    "jurisdiction": "registry",
}

# Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}
