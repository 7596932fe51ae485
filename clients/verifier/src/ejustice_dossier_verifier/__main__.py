"""python -m ejustice_dossier_verifier EXPORT --checkpoints FILE --public-key FILE

Exit codes: 0 verified (every entry covered by a signed checkpoint); 1 verification
failed (an entry, the chain, a checkpoint or the log does not hold); 2 a file could not
be read; 3 the chain holds but its newest entries are not covered by a checkpoint yet.
"""

import argparse
import json
import sys
from pathlib import Path

from ejustice_dossier_verifier.checkpoints import load_public_key
from ejustice_dossier_verifier.verify import Outcome, verify

VERDICTS = {
    Outcome.VERIFIED: "VERIFIED: the dossier is the one the platform signed",
    Outcome.FAILED: "FAILED: the dossier does not match what the platform signed",
    Outcome.NOT_COVERED: "INCOMPLETE: the chain holds, but not every entry is covered by a signed checkpoint yet",
}


def read_checkpoints(text: str) -> list[dict]:
    """One checkpoint (a JSON object, however laid out) or a checkpoint log (one JSON object a line)."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return whole if isinstance(whole, list) else [whole]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ejustice_dossier_verifier",
                                     description="Verify an exported ejustice dossier offline.")
    parser.add_argument("export", type=Path, help="the dossier export (JSON)")
    parser.add_argument("--checkpoints", type=Path, required=True,
                        help="the platform's checkpoint log (JSON lines) or one checkpoint (JSON)")
    parser.add_argument("--public-key", type=Path, required=True, help="the platform's checkpoint public key (PEM)")
    args = parser.parse_args(argv)
    try:
        export = json.loads(args.export.read_text(encoding="utf-8"))
        checkpoints = read_checkpoints(args.checkpoints.read_text(encoding="utf-8"))
        public_key = load_public_key(args.public_key.read_bytes())
        if not isinstance(export, dict) or not all(isinstance(line, dict) for line in checkpoints):
            raise ValueError("not JSON objects")
    except (OSError, ValueError) as exc:
        print(f"UNREADABLE: {exc}", file=sys.stderr)
        return Outcome.UNREADABLE
    report = verify(export, checkpoints, public_key)
    print(f"dossier {export.get('filing_id')} ({report.length} entries), exported {export.get('exported_at')}")
    for line in report.passed:
        print(f"  ok    {line}")
    for line in report.failed:
        print(f"  FAIL  {line}")
    for line in report.notes:
        print(f"  note  {line}")
    print(VERDICTS[report.outcome])
    return report.outcome


if __name__ == "__main__":
    sys.exit(main())
