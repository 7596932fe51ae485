"""Check an exported dossier against the platform's signed checkpoints, with nothing but the files.

1. Every entry: its hash recomputed from its hashed fields, its link to the entry before.
2. The checkpoints given (a log, or one checkpoint): every signature, every link.
3. The checkpoint the export carries: signed by the key given, and the same as in the log.
4. Its inclusion proof: the stream's head it names leads to the signed root, and the
   export's entry at that seq has exactly that hash, so no entry up to it was changed,
   even if every hash after the change was recomputed.
Entries after the checkpointed seq chain from it but are not signed yet.
"""

import binascii
from dataclasses import dataclass, field
from enum import IntEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ejustice_dossier_verifier import merkle
from ejustice_dossier_verifier.canonical import CANONICAL_JSON, GENESIS, HASH_ALGORITHM, HASHED_FIELDS, entry_hash
from ejustice_dossier_verifier.checkpoints import head_leaf, line_hash, log_problems, signature_problem

EXPORT_FORMAT = "ejustice-dossier-export/1"


class Outcome(IntEnum):
    """The verdict, which is also the exit code of the command."""

    VERIFIED = 0
    FAILED = 1
    UNREADABLE = 2
    NOT_COVERED = 3


@dataclass
class Report:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    covered_through: int = 0
    length: int = 0

    @property
    def outcome(self) -> Outcome:
        if self.failed:
            return Outcome.FAILED
        if self.covered_through < self.length or not self.length:
            return Outcome.NOT_COVERED
        return Outcome.VERIFIED


def verify(export: dict, checkpoints: list[dict], public_key: Ed25519PublicKey) -> Report:
    report = Report()
    try:
        return _verify(export, checkpoints, public_key, report)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a file shaped otherwise than documented
        report.failed.append(f"malformed export or checkpoint: {type(exc).__name__} {exc}")
        return report


def _verify(export: dict, checkpoints: list[dict], public_key: Ed25519PublicKey, report: Report) -> Report:
    if export.get("format") != EXPORT_FORMAT:
        report.failed.append(f"not an {EXPORT_FORMAT} file")
        return report
    hashing = export.get("hashing") or {}
    if hashing.get("algorithm") != HASH_ALGORITHM or hashing.get("canonical_json") != CANONICAL_JSON \
            or tuple(hashing.get("hashed_fields") or ()) != HASHED_FIELDS:
        report.failed.append(f"hashed another way than {HASH_ALGORITHM} over {CANONICAL_JSON} of {HASHED_FIELDS}")
        return report
    entries = export.get("entries") or []
    report.length = len(entries)
    _check_chain(export.get("stream"), entries, report)
    _check_log(checkpoints, public_key, report)
    _check_inclusion(export, entries, checkpoints, public_key, report)
    return report


def _check_chain(stream: str, entries: list[dict], report: Report) -> None:
    prev = GENESIS
    for seq, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) != {*HASHED_FIELDS, "hash"}:
            report.failed.append(f"entry {seq}: carries other fields than the hashed ones and its hash")
            return
        if entry["stream"] != stream or entry["seq"] != seq:
            report.failed.append(f"entry {seq}: names stream {entry['stream']} seq {entry['seq']}")
            return
        if entry["prev_hash"] != prev:
            report.failed.append(f"entry {seq}: does not link to the hash of entry {seq - 1}")
            return
        if entry_hash(entry) != entry["hash"]:
            report.failed.append(f"entry {seq}: its content does not give its hash (altered)")
            return
        prev = entry["hash"]
    report.passed.append(f"chain: {len(entries)} entries, every hash recomputed and linked to the one before")


def _check_log(checkpoints: list[dict], public_key: Ed25519PublicKey, report: Report) -> None:
    if not checkpoints:
        report.failed.append("no checkpoint given")
        return
    if problems := log_problems(checkpoints, public_key):
        report.failed.extend(f"checkpoint log {problem}" for problem in problems)
        return
    numbers = [line["checkpoint"]["number"] for line in checkpoints]
    report.passed.append(f"checkpoints {numbers[0]}..{numbers[-1]}: every signature valid, every line "
                         "chained to the one before")


def _check_inclusion(export: dict, entries: list[dict], checkpoints: list[dict], public_key: Ed25519PublicKey,
                     report: Report) -> None:
    carried, inclusion = export.get("checkpoint"), export.get("inclusion")
    if carried is None or inclusion is None:
        report.notes.append("the export carries no checkpoint yet: export again after the next checkpoint")
        return
    if problem := signature_problem(carried, public_key):
        report.failed.append(f"the export's checkpoint: {problem}")
        return
    body = carried["checkpoint"]
    logged = [line for line in checkpoints if isinstance(line.get("checkpoint"), dict)
              and line["checkpoint"].get("number") == body["number"]]
    if not logged:
        report.failed.append(f"the export's checkpoint {body['number']} is not among the checkpoints given")
        return
    if line_hash(logged[0]) != line_hash(carried):
        report.failed.append(f"the export's checkpoint {body['number']} differs from the one in the log")
        return
    leaf = inclusion.get("leaf") or {}
    stream, seq, hash_ = leaf.get("stream"), leaf.get("seq"), leaf.get("hash")
    if stream != export.get("stream") or not isinstance(seq, int) or seq < 1:
        report.failed.append("the inclusion proof is about another stream")
        return
    try:
        path = [bytes.fromhex(node) for node in inclusion["audit_path"]]
        signed_root = bytes.fromhex(body["root_hash"])
        index, size = int(inclusion["leaf_index"]), int(body["tree_size"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        report.failed.append("the inclusion proof is malformed")
        return
    if not merkle.verify_inclusion(index, size, merkle.leaf_hash(head_leaf(stream, seq, hash_)), path, signed_root):
        report.failed.append(f"checkpoint {body['number']} does not contain the head the export claims (seq {seq})")
        return
    if seq > len(entries):
        report.failed.append(f"truncated: checkpoint {body['number']} signed seq {seq}, the export ends at "
                             f"{len(entries)}")
        return
    if entries[seq - 1]["hash"] != hash_:
        report.failed.append(f"entry {seq} is not the one checkpoint {body['number']} signed: an entry up to "
                             f"{seq} was rewritten")
        return
    report.covered_through = seq
    report.passed.append(f"checkpoint {body['number']} ({body['issued_at']}, {size} streams) signed entry {seq}, "
                         "proven by its Merkle inclusion proof")
    if seq < len(entries):
        report.notes.append(f"entries {seq + 1}..{len(entries)} chain from the signed entry {seq} but are newer "
                            "than the checkpoint: export again after the next one to cover them")


