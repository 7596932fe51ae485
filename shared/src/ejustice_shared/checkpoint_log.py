"""Signed checkpoints of stream heads, kept in an append-only file outside the database.

Each checkpoint is a Merkle root (RFC 6962) over the sorted heads {stream, seq, hash},
signed with Ed25519 and appended as one line that names the hash of the line before
(the format is `ejustice_dossier_verifier.checkpoints`, which the offline verifier
checks). Next to the log, `<log>.tree.json` keeps the leaves of the latest checkpoint,
from which inclusion proofs are made.

Appends take an exclusive lock on the log (`flock`) and decide against the last line
read under it, so processes sharing the file write one linear chain: a checkpoint is
skipped when another process wrote one less than `min_interval` ago or when nothing
changed, and it is refused when the tree it was built on is no longer the latest.
"""

import bisect
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ejustice_dossier_verifier import merkle
from ejustice_dossier_verifier.canonical import canonical_json
from ejustice_dossier_verifier.checkpoints import (
    CHECKPOINT_FORMAT,
    FIRST_PREV_LINE_HASH,
    head_leaf,
    key_id,
    line_hash,
    load_private_key,
    public_key_pem,
    sign,
)
from ejustice_shared import clock

Heads = dict[str, tuple[int, str]]


@dataclass(frozen=True)
class Inclusion:
    """The latest checkpoint line and the proof that it signed one stream's head."""

    line: dict
    leaf: dict
    leaf_index: int
    audit_path: list[str]

    def as_export(self) -> dict:
        return {"leaf": self.leaf, "leaf_index": self.leaf_index, "tree_size": self.line["checkpoint"]["tree_size"],
                "audit_path": self.audit_path,
                "leaf_hashing": "SHA-256(0x00 || canonical JSON of the leaf); inner nodes SHA-256(0x01 || left || "
                                "right); RFC 6962 tree over every dossier stream's head, sorted by stream"}


class CheckpointLog:
    def __init__(self, path: str | Path, *, private_key_pem: str, origin: str):
        self.path = Path(path)
        self.tree_path = self.path.with_name(self.path.name + ".tree.json")
        self.origin = origin
        self._key = load_private_key(private_key_pem)
        self.public_key = self._key.public_key()
        self.key_id = key_id(self.public_key)
        # The latest checkpoint's number, sorted streams, their leaf hashes and heads, for proofs.
        self._proofs: tuple[int, list[str], list[bytes], Heads] | None = None

    def public_key_pem(self) -> str:
        return public_key_pem(self.public_key)

    # --- reading ----------------------------------------------------------------------------------

    def lines(self, *, after: int = 0, limit: int | None = None) -> list[dict]:
        """Checkpoints numbered above `after`, oldest first, as written."""
        found = []
        for text in self._texts():
            line = json.loads(text)
            if line["checkpoint"]["number"] > after:
                found.append(line)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def latest(self) -> dict | None:
        texts = self._texts()
        return json.loads(texts[-1]) if texts else None

    def tree(self) -> tuple[int, Heads]:
        """The number and heads of the last tree written (0 and none before the first).

        A crash between writing the tree and its line leaves a tree numbered one past the log's
        last line; its heads were checked all the same, so the next checkpoint builds on them.
        """
        try:
            stored = json.loads(self.tree_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0, {}
        return stored["number"], {stream: (seq, hash_) for stream, seq, hash_ in stored["leaves"]}

    def inclusion(self, stream: str) -> Inclusion | None:
        """The proof that the latest checkpoint signed the stream's head, or None if it does not cover the stream."""
        latest = self.latest()
        if latest is None:
            return None
        number = latest["checkpoint"]["number"]
        if self._proofs is None or self._proofs[0] != number:
            tree_number, heads = self.tree()
            if tree_number != number:
                return None
            streams = sorted(heads)
            hashes = [merkle.leaf_hash(head_leaf(s, *heads[s])) for s in streams]
            if merkle.root(hashes).hex() != latest["checkpoint"]["root_hash"]:
                raise RuntimeError(f"{self.tree_path} does not hold the leaves of checkpoint {number}")
            self._proofs = (number, streams, hashes, heads)
        _, streams, hashes, heads = self._proofs
        index = bisect.bisect_left(streams, stream)
        if index == len(streams) or streams[index] != stream:
            return None
        seq, hash_ = heads[stream]
        return Inclusion(line=latest, leaf={"stream": stream, "seq": seq, "hash": hash_}, leaf_index=index,
                         audit_path=[node.hex() for node in merkle.inclusion_proof(index, hashes)])

    # --- writing ----------------------------------------------------------------------------------

    def latest_number(self) -> int:
        latest = self.latest()
        return latest["checkpoint"]["number"] if latest else 0

    def append(self, heads: Heads, *, based_on: int, min_interval_seconds: float) -> dict | None:
        """Sign the heads as checkpoint `based_on + 1`; None when skipped (see the module's note)."""
        streams = sorted(heads)
        root = merkle.root([merkle.leaf_hash(head_leaf(s, *heads[s])) for s in streams]).hex()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            last = self.latest()
            body = last["checkpoint"] if last else None
            if (body["number"] if body else 0) != based_on:
                return None
            if body and body["root_hash"] == root and body["tree_size"] == len(streams):
                return None
            issued_at = clock.now()
            if body and (issued_at - datetime.fromisoformat(body["issued_at"])).total_seconds() < min_interval_seconds:
                return None
            number = based_on + 1
            line = sign({"format": CHECKPOINT_FORMAT, "origin": self.origin, "number": number,
                         "tree_size": len(streams), "root_hash": root, "issued_at": clock.iso(issued_at),
                         "key_id": self.key_id, "prev_line_hash": line_hash(last) if last else FIRST_PREV_LINE_HASH},
                        self._key)
            # The leaves first: a crash in between leaves a tree one step ahead, which the next append replaces.
            scratch = self.tree_path.with_name(self.tree_path.name + ".tmp")
            scratch.write_text(json.dumps({"number": number, "root_hash": root,
                                           "leaves": [[s, *heads[s]] for s in streams]}), encoding="utf-8")
            os.replace(scratch, self.tree_path)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(canonical_json(line).decode() + "\n")
                log.flush()
                os.fsync(log.fileno())
            return line

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self.path.with_name(self.path.name + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _texts(self) -> list[str]:
        try:
            return [text for text in self.path.read_text(encoding="utf-8").splitlines() if text.strip()]
        except FileNotFoundError:
            return []


