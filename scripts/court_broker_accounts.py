"""RabbitMQ definitions for each court's own broker account, for `rabbitmqctl import_definitions`.

    python scripts/court_broker_accounts.py NAMESPACE [NAMESPACE ...] > definitions.json

A court's account may read only its own queue (`<namespace>.court.<court id>`), publish only on the
platform's exchange (`<namespace>.events`) and there only on its own keys (`by-court.<court id>.…`),
and declare or bind nothing. Passwords come from the JSON file named by COURT_BROKER_PASSWORDS
({court id: password}); without it, outside production, each court's is `dev-broker-<court id>`.
Importing the same definitions again changes nothing (users and permissions are set, not added).
"""

import base64
import hashlib
import json
import os
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURTS = ROOT / "services" / "registry" / "src" / "ejustice_registry" / "courts" / "seed.json"


def username(court_id: str) -> str:
    return f"court-{court_id}"


def development_password(court_id: str) -> str:
    return f"dev-broker-{court_id}"


def password_hash(password: str) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password))."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def passwords(court_ids: list[str]) -> dict[str, str]:
    if path := os.environ.get("COURT_BROKER_PASSWORDS"):
        given = json.loads(Path(path).read_text("utf-8"))
        missing = [c for c in court_ids if not given.get(c)]
        if missing:
            sys.exit(f"COURT_BROKER_PASSWORDS has no password for: {', '.join(missing)}")
        return {c: given[c] for c in court_ids}
    if os.environ.get("ENVIRONMENT") == "production":
        sys.exit("set COURT_BROKER_PASSWORDS in production: the development passwords are public")
    return {c: development_password(c) for c in court_ids}


def definitions(namespaces: list[str], court_ids: list[str]) -> dict:
    secret = passwords(court_ids)
    users, permissions, topic_permissions = [], [], []
    for court_id in court_ids:
        court = re.escape(court_id)
        users.append({"name": username(court_id), "password_hash": password_hash(secret[court_id]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        # Queue and exchange names carry the namespace (no dots in it), so one set of permissions serves every one.
        permissions.append({"user": username(court_id), "vhost": "/", "configure": "^$",
                            "write": r"^[^.]+\.events$", "read": rf"^[^.]+\.court\.{court}$"})
        for namespace in namespaces:
            topic_permissions.append({"user": username(court_id), "vhost": "/", "exchange": f"{namespace}.events",
                                      "write": rf"^by-court\.{court}\.", "read": rf"^court\.{court}\."})
    return {"users": users, "permissions": permissions, "topic_permissions": topic_permissions}


def main(argv: list[str]) -> int:
    namespaces = argv or ["ejustice"]
    bad = [n for n in namespaces if not re.fullmatch(r"[A-Za-z0-9_-]+", n)]
    if bad:
        sys.exit(f"a bus namespace has letters, digits, '-' and '_' only: {bad}")
    court_ids = [court["court_id"] for court in json.loads(COURTS.read_text("utf-8"))]
    json.dump(definitions(namespaces, court_ids), sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
