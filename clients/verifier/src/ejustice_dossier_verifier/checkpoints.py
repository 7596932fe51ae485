"""Signed checkpoints and the checkpoint log.

A checkpoint is signed, with Ed25519, over the canonical JSON of its body:

    {"format": "ejustice-dossier-checkpoint/1", "origin", "number", "tree_size", "root_hash",
     "issued_at", "key_id", "prev_line_hash"}

`root_hash` is the Merkle root (hex) over the heads of every dossier stream, sorted by
stream name, each leaf being the canonical JSON of {"stream", "seq", "hash"}.
The log holds one checkpoint per line, {"checkpoint": body, "signature": base64}, and
each body names the hash of the line before (`prev_line_hash`, SHA-256 of that line's
canonical JSON; the first line names sixty-four zeros), so a line cannot be altered,
dropped or inserted without breaking a signature or a link.
"""

import base64
import binascii
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ejustice_dossier_verifier.canonical import GENESIS, canonical_json, sha256_hex

CHECKPOINT_FORMAT = "ejustice-dossier-checkpoint/1"
BODY_FIELDS = ("format", "origin", "number", "tree_size", "root_hash", "issued_at", "key_id", "prev_line_hash")
FIRST_PREV_LINE_HASH = GENESIS


def head_leaf(stream: str, seq: int, hash_: str) -> bytes:
    """What a stream's head contributes to the tree, before leaf hashing."""
    return canonical_json({"stream": stream, "seq": seq, "hash": hash_})


def load_public_key(pem: bytes | str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def load_private_key(pem: bytes | str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the checkpoint signing key is not an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: names the key a checkpoint was signed with."""
    return sha256_hex(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(body: dict, key: Ed25519PrivateKey) -> dict:
    """A log line: the body and the Ed25519 signature over its canonical JSON."""
    return {"checkpoint": body, "signature": base64.b64encode(key.sign(canonical_json(body))).decode()}


def line_hash(line: dict) -> str:
    return sha256_hex(canonical_json(line))


def signature_problem(line: dict, key: Ed25519PublicKey) -> str | None:
    """Why a checkpoint line's signature does not hold, or None when it does."""
    body = line.get("checkpoint")
    if not isinstance(body, dict) or set(body) != set(BODY_FIELDS) or body.get("format") != CHECKPOINT_FORMAT:
        return f"not a {CHECKPOINT_FORMAT} checkpoint"
    if body["key_id"] != key_id(key):
        return "signed with another key than the public key given"
    try:
        key.verify(base64.b64decode(line.get("signature", ""), validate=True), canonical_json(body))
    except (InvalidSignature, binascii.Error, TypeError, ValueError):
        return "the signature does not match the checkpoint"
    return None


def log_problems(lines: Iterable[dict], key: Ed25519PublicKey) -> list[str]:
    """Every broken signature, link or numbering in a run of consecutive log lines."""
    problems: list[str] = []
    previous: dict | None = None
    for position, line in enumerate(lines, start=1):
        if problem := signature_problem(line, key):
            problems.append(f"line {position}: {problem}")
            previous = line
            continue
        body = line["checkpoint"]
        if previous is not None:
            if body["prev_line_hash"] != line_hash(previous):
                problems.append(f"line {position} (checkpoint {body['number']}): does not chain to the line before")
            before = previous.get("checkpoint", {}).get("number")
            if isinstance(before, int) and body["number"] != before + 1:
                problems.append(f"line {position}: checkpoint {body['number']} follows {before}")
        elif body["number"] == 1 and body["prev_line_hash"] != FIRST_PREV_LINE_HASH:
            problems.append("line 1: the first checkpoint must not name a line before it")
        previous = line
    return problems
