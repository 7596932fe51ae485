"""How a dossier entry is hashed.

An entry's hash is the SHA-256, in lowercase hex, of the canonical JSON of the entry's
hashed fields. Canonical JSON: UTF-8; object keys sorted by Unicode code point; no
whitespace; non-ASCII characters written as themselves; `"`, `\\` and control
characters escaped as JSON requires (`\\n`, `\\u001f`, ...); numbers are integers.
It is what Python writes with
`json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, and for
such data it coincides with RFC 8785 (JCS) except in the order of keys outside the
Basic Multilingual Plane, which ejustice never uses.
"""

import hashlib
import json
from typing import Any

HASH_ALGORITHM = "sha256"
CANONICAL_JSON = "ejustice-canonical-json/1"
CANONICAL_JSON_RULE = (
    "UTF-8 JSON, object keys sorted by Unicode code point, no whitespace, non-ASCII characters unescaped, "
    "integers only: Python's json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)"
)
# The fields of an entry its hash covers; the first entry's prev_hash is GENESIS.
HASHED_FIELDS = ("stream", "seq", "prev_hash", "committed_at", "actor", "events")
GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(entry: dict) -> str:
    """The hash of a dossier entry: SHA-256 over the canonical JSON of its hashed fields only."""
    return sha256_hex(canonical_json({name: entry[name] for name in HASHED_FIELDS}))
