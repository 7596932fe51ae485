"""The Merkle tree of dossier checkpoints (RFC 6962 vectors) and the offline verifier's checks."""

import copy
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from ejustice_dossier_verifier import merkle
from ejustice_dossier_verifier.__main__ import main
from ejustice_dossier_verifier.canonical import GENESIS, entry_hash
from ejustice_dossier_verifier.checkpoints import head_leaf, line_hash, log_problems, public_key_pem
from ejustice_dossier_verifier.verify import Outcome, verify
from ejustice_filing.settings import FilingSettings
from ejustice_shared.auth.keys import DEVELOPMENT_CHECKPOINT_PRIVATE_KEY
from ejustice_shared.checkpoint_log import CheckpointLog
from ejustice_shared.commits import commit_hash

# RFC 6962 test vectors, as published with the Certificate Transparency reference implementation.
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f")]
ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
PROOF_0_OF_8 = ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
HASHED = [merkle.leaf_hash(leaf) for leaf in LEAVES]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_match_rfc_6962(size):
    assert merkle.root(HASHED[:size]).hex() == ROOTS[size]


def test_an_inclusion_proof_matches_rfc_6962():
    assert [node.hex() for node in merkle.inclusion_proof(0, HASHED)] == PROOF_0_OF_8


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 9, 13, 16, 33])
def test_every_leaf_is_proven_and_nothing_else_is(size):
    leaves = [merkle.leaf_hash(b"head %d" % n) for n in range(size)]
    root = merkle.root(leaves)
    for index, leaf in enumerate(leaves):
        proof = merkle.inclusion_proof(index, leaves)
        assert merkle.verify_inclusion(index, size, leaf, proof, root)
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, root)
        if proof:
            assert not merkle.verify_inclusion(index, size, leaf, proof[:-1], root)
            assert not merkle.verify_inclusion(index, size, leaf, [bytes(32), *proof[1:]], root)
        if size > 1:
            assert not merkle.verify_inclusion((index + 1) % size, size, leaf, proof, root)


def test_the_shared_commit_hash_is_the_verifiers_entry_hash():
    entry = {"stream": "filing-x", "seq": 1, "prev_hash": GENESIS, "committed_at": "2026-01-01T00:00:00.000000+00:00",
             "actor": {"subject": "citizen-1"}, "events": [{"type": "filing.opened", "data": {"name": "مریم"}}]}
    assert commit_hash(**entry) == entry_hash(entry)


# --- the verifier on an export built here --------------------------------------------------------


def chain(stream: str, length: int) -> list[dict]:
    entries, prev = [], GENESIS
    for seq in range(1, length + 1):
        entry = {"stream": stream, "seq": seq, "prev_hash": prev, "committed_at": f"2026-01-01T00:00:{seq:02d}Z",
                 "actor": None, "events": [{"type": "filing.noted", "data": {"n": seq}}]}
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)
    return entries


def new_key_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def signed(tmp_path):
    """A log of two checkpoints over three streams, and the export of one of them covered by the second."""
    log = CheckpointLog(tmp_path / "dossier.log", private_key_pem=new_key_pem(), origin="test")
    streams = {name: chain(name, n) for name, n in (("filing-a", 2), ("filing-b", 5), ("filing-c", 1))}
    heads = {name: (entries[-1]["seq"], entries[-1]["hash"]) for name, entries in streams.items()}
    log.append({**heads, "filing-b": (3, streams["filing-b"][2]["hash"])}, based_on=0, min_interval_seconds=0)
    log.append(heads, based_on=1, min_interval_seconds=0)
    inclusion = log.inclusion("filing-b")
    export = {"format": "ejustice-dossier-export/1", "filing_id": "b", "stream": "filing-b",
              "hashing": {"algorithm": "sha256", "canonical_json": "ejustice-canonical-json/1",
                          "hashed_fields": ["stream", "seq", "prev_hash", "committed_at", "actor", "events"]},
              "entries": streams["filing-b"], "checkpoint": inclusion.line, "inclusion": inclusion.as_export()}
    return export, log.lines(), log.public_key


def test_an_intact_export_verifies(signed):
    export, lines, key = signed
    report = verify(export, lines, key)
    assert report.outcome == Outcome.VERIFIED, report.failed


def test_a_rewritten_and_rechained_entry_fails(signed):
    export, lines, key = signed
    entries = export["entries"]
    entries[1]["events"][0]["data"]["n"] = 99
    for seq in range(2, len(entries) + 1):  # re-chain every hash from the rewritten entry on
        entries[seq - 1]["prev_hash"] = entries[seq - 2]["hash"]
        entries[seq - 1]["hash"] = entry_hash(entries[seq - 1])
    report = verify(export, lines, key)
    assert report.outcome == Outcome.FAILED
    assert any("rewritten" in failure for failure in report.failed)


def test_a_truncated_export_fails(signed):
    export, lines, key = signed
    export["entries"] = export["entries"][:3]
    report = verify(export, lines, key)
    assert report.outcome == Outcome.FAILED and any("truncated" in f for f in report.failed)


def test_a_forged_signature_fails(signed):
    export, lines, key = signed
    forged = copy.deepcopy(export)
    forged["checkpoint"]["signature"] = forged["checkpoint"]["signature"][::-1]
    assert verify(forged, lines, key).outcome == Outcome.FAILED
    other = Ed25519PrivateKey.generate().public_key()
    assert verify(export, lines, other).outcome == Outcome.FAILED


def test_an_altered_log_line_fails(signed):
    export, lines, key = signed
    altered = copy.deepcopy(lines)
    altered[0]["checkpoint"]["tree_size"] += 1
    assert log_problems(altered, key)
    assert verify(export, altered, key).outcome == Outcome.FAILED
    assert not log_problems(lines[1:], key)  # a log read from a later checkpoint on still holds
    assert line_hash(lines[0]) == lines[1]["checkpoint"]["prev_line_hash"]


def test_entries_newer_than_the_checkpoint_are_reported_not_covered(signed, tmp_path):
    export, lines, key = signed
    export["entries"] = [*export["entries"], *chain("filing-b", 6)[5:]]
    export["entries"][5]["prev_hash"] = export["entries"][4]["hash"]
    export["entries"][5]["hash"] = entry_hash(export["entries"][5])
    report = verify(export, lines, key)
    assert report.outcome == Outcome.NOT_COVERED and report.covered_through == 5


def test_a_log_skips_a_checkpoint_when_nothing_changed_or_it_is_not_the_latest(tmp_path):
    log = CheckpointLog(tmp_path / "dossier.log", private_key_pem=new_key_pem(), origin="test")
    heads = {"filing-a": (1, "aa" * 32)}
    assert log.append(heads, based_on=0, min_interval_seconds=0)["checkpoint"]["number"] == 1
    assert log.append(heads, based_on=1, min_interval_seconds=0) is None  # unchanged
    assert log.append({"filing-a": (2, "bb" * 32)}, based_on=0, min_interval_seconds=0) is None  # stale base
    assert log.append({"filing-a": (2, "bb" * 32)}, based_on=1, min_interval_seconds=3600) is None  # too soon
    assert log.inclusion("filing-a").leaf == {"stream": "filing-a", "seq": 1, "hash": "aa" * 32}
    assert log.inclusion("filing-z") is None
    assert merkle.leaf_hash(head_leaf("filing-a", 1, "aa" * 32)).hex() == log.lines()[0]["checkpoint"]["root_hash"]


def test_the_command_says_what_it_found_and_exits_accordingly(signed, tmp_path, capsys):
    export, lines, key = signed
    (tmp_path / "export.json").write_text(json.dumps(export))
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (tmp_path / "key.pem").write_text(public_key_pem(key))
    args = [str(tmp_path / "export.json"), "--checkpoints", str(tmp_path / "log.jsonl"),
            "--public-key", str(tmp_path / "key.pem")]
    assert main(args) == 0 and "VERIFIED" in capsys.readouterr().out
    (tmp_path / "log.jsonl").write_text(json.dumps(lines[-1], indent=2))  # one checkpoint, laid out freely
    assert main(args) == 0
    (tmp_path / "key.pem").write_text("not a key")
    assert main(args) == 2 and "UNREADABLE" in capsys.readouterr().err


def test_the_development_checkpoint_key_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValidationError, match="FILING_CHECKPOINT_PRIVATE_KEY is a development placeholder"):
        FilingSettings()
    monkeypatch.setenv("FILING_CHECKPOINT_PRIVATE_KEY", new_key_pem())
    assert FilingSettings().checkpoint_private_key != DEVELOPMENT_CHECKPOINT_PRIVATE_KEY


def test_a_malformed_export_fails_instead_of_crashing(signed):
    export, lines, key = signed
    assert verify({**export, "entries": None, "inclusion": "x"}, lines, key).outcome == Outcome.FAILED
    assert verify({**export, "inclusion": {"leaf": 3}}, lines, key).outcome == Outcome.FAILED
