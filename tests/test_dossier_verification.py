"""A dossier anyone can verify: exported through the gateway, checked offline against signed checkpoints.

The services run as processes; the verifier runs as a party would run it, with only the
three files. A rewrite in the database that re-chains every later hash passes the
server's own chain check, and the offline verifier still catches it.
"""

import json
import re
import subprocess
import sys
import uuid

import httpx
import pytest
from pymongo import MongoClient

from ejustice_dossier_verifier.canonical import entry_hash
from ejustice_shared.commits import commit_hash
from tests.support.journey import cheque_claim_draft, citizen, ok, submit
from tests.support.people import iranian_national_code
from tests.support.platform import ROOT, wait_until
from tests.support.stores import MONGODB_URL


def verifier(export: dict, checkpoints: str, public_key: str, folder) -> subprocess.CompletedProcess:
    (folder / "dossier.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    (folder / "checkpoints.jsonl").write_text(checkpoints, encoding="utf-8")
    (folder / "key.pem").write_text(public_key, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "ejustice_dossier_verifier", str(folder / "dossier.json"),
                           "--checkpoints", str(folder / "checkpoints.jsonl"), "--public-key", str(folder / "key.pem")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def covered_export(client: httpx.Client, headers: dict, filing_id: str, *, wanted: str | None = None) -> dict:
    """The export once a checkpoint signs its last entry (and that entry carries `wanted`, if given)."""

    def ready():
        export = ok(client.get(f"/api/filings/{filing_id}/dossier/export", headers=headers))
        types = {event["type"] for entry in export["entries"] for event in entry["events"]}
        signed = export["inclusion"] and export["inclusion"]["leaf"]["seq"] == len(export["entries"])
        return export if signed and (wanted is None or wanted in types) else None

    return wait_until(ready, timeout=60, interval=0.5, what="a checkpoint covering the whole dossier")


@pytest.fixture(scope="module")
def exported(platform):
    """A submitted cheque claim whose whole dossier a checkpoint signed, its export, the log and the key."""
    seed = uuid.uuid4().int % 10**6
    headers, national_id = citizen(platform, seed)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        filing_id = cheque_claim_draft(client, headers, applicant=national_id,
                                       respondent=iranian_national_code(seed + 1))["id"]
        submit(client, headers, filing_id)
        export = covered_export(client, headers, filing_id, wanted="filing.fee_recorded")
        # Anyone may fetch the checkpoints and the key: no token.
        checkpoints = client.get("/api/dossier-checkpoints")
        key = client.get("/api/dossier-checkpoints/public-key", params={"format": "pem"})
    assert checkpoints.status_code == 200 and key.status_code == 200
    return {"headers": headers, "filing_id": filing_id, "export": export, "checkpoints": checkpoints.text,
            "key": key.text}


def test_an_exported_dossier_verifies_offline(exported, tmp_path):
    export = exported["export"]
    assert export["stream"] == f"filing-{exported['filing_id']}" and len(export["entries"]) >= 7
    assert export["hashing"]["algorithm"] == "sha256"
    done = verifier(export, exported["checkpoints"], exported["key"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout and f"{len(export['entries'])} entries" in done.stdout


def test_the_dossier_shows_every_field_its_hash_covers(platform, exported):
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        entries = ok(client.get(f"/api/filings/{exported['filing_id']}/dossier", headers=exported["headers"]))
        assert ok(client.get(f"/api/filings/{exported['filing_id']}/dossier/verify",
                             headers=exported["headers"]))["valid"] is True
    for entry in entries:
        recomputed = entry_hash({"stream": entry["stream"], "seq": entry["seq"], "prev_hash": entry["prev_hash"],
                                 "committed_at": entry["at"], "actor": entry["actor"], "events": entry["events"]})
        assert recomputed == entry["hash"]


def test_only_who_may_read_the_filing_exports_it(platform, exported):
    stranger, _ = citizen(platform, uuid.uuid4().int % 10**6 + 10**6)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        path = f"/api/filings/{exported['filing_id']}/dossier/export"
        assert client.get(path).status_code == 401
        assert client.get(path, headers=stranger).status_code == 404


def test_a_forged_signature_fails(exported, tmp_path):
    export = json.loads(json.dumps(exported["export"]))
    signature = export["checkpoint"]["signature"]
    export["checkpoint"]["signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]
    done = verifier(export, exported["checkpoints"], exported["key"], tmp_path)
    assert done.returncode == 1 and "signature does not match" in done.stdout, done.stdout


def test_a_truncated_dossier_fails(exported, tmp_path):
    export = {**exported["export"], "entries": exported["export"]["entries"][:-2]}
    done = verifier(export, exported["checkpoints"], exported["key"], tmp_path)
    assert done.returncode == 1 and "truncated" in done.stdout, done.stdout


def test_a_checkpoint_log_with_an_altered_line_fails(exported, tmp_path):
    lines = exported["checkpoints"].splitlines()
    assert lines, "the platform signed no checkpoint"
    altered = json.loads(lines[0])
    altered["checkpoint"]["issued_at"] = altered["checkpoint"]["issued_at"].replace("20", "19", 1)
    lines[0] = json.dumps(altered)
    done = verifier(exported["export"], "\n".join(lines) + "\n", exported["key"], tmp_path)
    assert done.returncode == 1 and "checkpoint log line 1" in done.stdout, done.stdout


def test_checkpoints_are_published_as_events(platform, exported):
    last = json.loads(exported["checkpoints"].splitlines()[-1])
    with MongoClient(MONGODB_URL) as mongo:
        recorded = mongo[platform.database("filing")]["commits"].find_one(
            {"stream": "dossier-checkpoints", "cause": f"checkpoint-{last['checkpoint']['number']}"})
    assert recorded is not None
    event = recorded["events"][0]
    assert event["type"] == "dossier.checkpointed"
    assert event["data"]["root_hash"] == last["checkpoint"]["root_hash"]
    assert event["data"]["signature"] == last["signature"]
    # It went through the broker: the filing service received it back and found it equal to its log.
    exposed = wait_until(lambda: (text := httpx.get(platform["filing"].url + "/metrics").text) and re.search(
        r'^events_consumed_total\{outcome="handled",type="dossier\.checkpointed"\} [1-9]', text, re.M) and text,
        timeout=30, what="dossier.checkpointed consumed")
    assert not re.search(r"^dossier_checkpoint_mismatches_total [1-9]", exposed, re.M)


def test_a_rewritten_entry_with_every_later_hash_rechained_is_caught(platform, exported, tmp_path):
    filing_id, headers = exported["filing_id"], exported["headers"]
    stream = f"filing-{filing_id}"
    with MongoClient(MONGODB_URL) as mongo:
        commits = mongo[platform.database("filing")]["commits"]
        stored = sorted(commits.find({"stream": stream}), key=lambda doc: doc["seq"])
        target = next(doc for doc in stored if doc["events"][0]["type"] == "filing.statement_set")
        target["events"][0]["data"]["statement"] = "The respondent never owed me anything."
        prev = target["prev_hash"]
        for doc in stored[target["seq"] - 1:]:  # the rewritten entry and every one after it, re-chained
            doc["prev_hash"] = prev
            doc["hash"] = prev = commit_hash(stream=stream, seq=doc["seq"], prev_hash=prev,
                                             committed_at=doc["committed_at"], actor=doc["actor"],
                                             events=doc["events"])
            commits.replace_one({"_id": doc["_id"]}, doc)

    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        # The server's own check cannot tell: every stored hash and link holds.
        assert ok(client.get(f"/api/filings/{filing_id}/dossier/verify", headers=headers))["valid"] is True
        # The signer does not sign the rewritten head: let a later checkpoint sign another filing first.
        other_headers, other_id = citizen(platform, uuid.uuid4().int % 10**6 + 2 * 10**6)
        other = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                               headers=other_headers), 201)
        covered_export(client, other_headers, other["id"])
        export = ok(client.get(f"/api/filings/{filing_id}/dossier/export", headers=headers))
        checkpoints = client.get("/api/dossier-checkpoints").text
    assert export["entries"][target["seq"] - 1]["events"][0]["data"]["statement"].startswith("The respondent never")
    done = verifier(export, checkpoints, exported["key"], tmp_path)
    assert done.returncode == 1, done.stdout
    assert re.search(rf"entry {len(export['entries'])} is not the one checkpoint \d+ signed", done.stdout), done.stdout
    refusals = httpx.get(platform["filing"].url + "/metrics").text
    assert re.search(r"^dossier_checkpoint_refusals_total [1-9]", refusals, re.M), refusals
