"""`python -m ejustice_court_client`: read the court's forwarded filings and answer them from a terminal or a script."""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aio_pika
import httpx

from ejustice_court_client.api import ApiProblem, CourtApi, DigestMismatch
from ejustice_court_client.bus import CourtBus

DEFAULT_URL = "http://127.0.0.1:8000"
# Exit codes a script can tell apart: a problem answered (or a file not written), a command or credentials
# missing (2 is also argparse's own), the gateway unreachable, a downloaded document that is not the listed one.
EXIT_PROBLEM, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_DIGEST_MISMATCH = 1, 2, 3, 4
CELL_WIDTH = 40


def _reason(value: str) -> dict[str, str]:
    code, _, note = value.partition(":")
    if not code.strip():
        raise argparse.ArgumentTypeError(f"{value!r}: give a reason code, optionally followed by ':note'")
    return {"code": code.strip(), "note": note.strip()} if note.strip() else {"code": code.strip()}


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m ejustice_court_client",
        description="The court's side of ejustice: its forwarded filings and answers.",
    )
    parser.add_argument(
        "--url", default=env.get("EJUSTICE_URL", DEFAULT_URL), help="the gateway (EJUSTICE_URL; default %(default)s)"
    )
    parser.add_argument(
        "--client-id",
        default=env.get("EJUSTICE_COURT_CLIENT_ID"),
        help="the court's client id (EJUSTICE_COURT_CLIENT_ID)",
    )
    parser.add_argument(
        "--client-secret",
        default=env.get("EJUSTICE_COURT_CLIENT_SECRET"),
        help="the court's client secret (prefer EJUSTICE_COURT_CLIENT_SECRET: flags show in `ps`)",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "fa", "vi"),
        default="en",
        help="language of problems and reason names (default %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inbox = commands.add_parser("inbox", help="list the court's forwarded filings")
    inbox.add_argument("--status", default="forwarded", help="filings in this status (default %(default)s)")
    inbox.add_argument("--json", action="store_true", help="print the JSON list as the gateway answered it")
    inbox.set_defaults(run=run_inbox)

    show = commands.add_parser("show", help="one filing in detail")
    show.add_argument("filing_id", metavar="FILING_ID")
    show.add_argument("--json", action="store_true", help="print the JSON as the gateway answered it")
    show.set_defaults(run=run_show)

    fetch = commands.add_parser("fetch", help="download a document, kept only if its SHA-256 is the listed one")
    fetch.add_argument("filing_id", metavar="FILING_ID")
    fetch.add_argument("document_id", metavar="DOCUMENT_ID")
    fetch.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="PATH",
        help="the file to write, or a directory to write the listed file name into",
    )
    fetch.set_defaults(run=run_fetch)

    accept = commands.add_parser("accept", help="accept (docket) a filing")
    accept.add_argument("filing_id", metavar="FILING_ID")
    accept.add_argument("--case-number", required=True, metavar="N")
    accept.add_argument("--branch", required=True, metavar="B", help="the branch id")
    accept.set_defaults(run=run_accept)

    give_back = commands.add_parser("return", help="return a filing for correction, with coded reasons")
    give_back.add_argument("filing_id", metavar="FILING_ID")
    give_back.add_argument(
        "--reason",
        dest="reasons",
        action="append",
        required=True,
        type=_reason,
        metavar="CODE[:note]",
        help="a return reason code (see `reasons`); repeat for more",
    )
    give_back.set_defaults(run=run_return)

    reasons = commands.add_parser("reasons", help="list the return reason codes")
    reasons.add_argument("--json", action="store_true", help="print the JSON list as the gateway answered it")
    reasons.set_defaults(run=run_reasons)

    notice = commands.add_parser("notice", help="serve a notice on a case: a JSON file (or - for stdin)")
    notice.add_argument("file", type=argparse.FileType("rb"), metavar="NOTICE.json")
    notice.set_defaults(run=run_notice)
    notice_status = commands.add_parser("notice-status", help="a notice's lifecycle for each addressee")
    notice_status.add_argument("reference", metavar="REFERENCE")
    notice_status.set_defaults(run=run_notice_status)
    batch = commands.add_parser("batch", help="a batch of notices, one JSON object a line (or - for stdin)")
    batch.add_argument("file", type=argparse.FileType("rb"), metavar="NOTICES.ndjson")
    batch.set_defaults(run=run_batch)
    batch_status = commands.add_parser("batch-status", help="how far a batch has come")
    batch_status.add_argument("batch_id", metavar="BATCH_ID")
    batch_status.set_defaults(run=run_batch_status)

    for name, help_, run in (("listen", "print the events on the court's queue, one JSON line each", run_listen),
                             ("publish", "publish a notice (JSON file, or -) on the court's own routing key",
                              run_publish)):
        bus = commands.add_parser(name, help=help_)
        bus.add_argument("--amqp-url", default=env.get("EJUSTICE_COURT_AMQP_URL"),
                         help="the court's broker account, amqp://court-<court id>:<password>@host/ "
                              "(EJUSTICE_COURT_AMQP_URL)")
        bus.add_argument("--namespace", default=env.get("EJUSTICE_BUS_NAMESPACE", "ejustice"),
                         help="the platform's bus namespace (EJUSTICE_BUS_NAMESPACE; default %(default)s)")
        bus.set_defaults(run=run, needs_api=False)
    listen, publish = commands.choices["listen"], commands.choices["publish"]
    listen.add_argument("--count", type=int, help="stop after this many events")
    listen.add_argument("--timeout", type=float, help="stop after this many seconds without an event")
    publish.add_argument("file", type=argparse.FileType("rb"), metavar="NOTICE.json")
    return parser


def main(argv: Sequence[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    """Runs one command and answers its exit code; `transport` lets tests stand in for the gateway."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or a command argparse could not parse (it printed why)
        return int(exit_.code or 0)
    if not getattr(args, "needs_api", True):
        return run_on_bus(args)
    if not args.client_id or not args.client_secret:
        print(
            "The court's credentials are missing: set EJUSTICE_COURT_CLIENT_ID and EJUSTICE_COURT_CLIENT_SECRET "
            "(or --client-id and --client-secret).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        with CourtApi(args.url, args.client_id, args.client_secret, language=args.lang, transport=transport) as api:
            return args.run(api, args)
    except ApiProblem as problem:
        print_problem(problem)
        return EXIT_PROBLEM
    except DigestMismatch as mismatch:
        print(
            f"Refused document {mismatch.document['document_id']} ({mismatch.document.get('filename')}): "
            f"its SHA-256 is {mismatch.actual_sha256}, the filing lists {mismatch.document['sha256']}. "
            "Nothing was written.",
            file=sys.stderr,
        )
        return EXIT_DIGEST_MISMATCH
    except httpx.TransportError as error:
        print(f"Cannot reach the gateway at {args.url}: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except OSError as error:  # `fetch --out` into a folder that is missing or not writable
        print(f"Cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_PROBLEM


def print_problem(problem: ApiProblem) -> None:
    lines = [f"Error {problem.status}: {problem.title}"]
    if problem.detail:
        lines.append(f"  {problem.detail}")
    for error in problem.errors:
        code = f" [{error['code']}]" if error.get("code") else ""
        lines.append(f"  - {error.get('field', 'body')}: {error.get('reason', '')}{code}")
    print("\n".join(lines), file=sys.stderr)


def run_inbox(api: CourtApi, args: argparse.Namespace) -> int:
    filings = api.inbox(args.status)
    if args.json:
        _print_json(filings)
    elif not filings:
        print(f"No {args.status} filings.")
    else:
        headers = ("ID", "TRACKING CODE", "KIND", "SUBJECT", "CLAIM", "PARTIES", "DOCS", "FORWARDED")
        print(
            table(
                headers,
                [
                    (
                        f["id"],
                        f.get("tracking_code"),
                        f.get("kind"),
                        f.get("subject_code"),
                        money(f.get("claim")),
                        parties(f.get("parties", [])),
                        len(f.get("documents", [])),
                        f.get("forwarded_at"),
                    )
                    for f in filings
                ],
            )
        )
    return 0


def run_show(api: CourtApi, args: argparse.Namespace) -> int:
    filing = api.filing(args.filing_id)
    if args.json:
        _print_json(filing)
        return 0
    fields = (
        ("Filing", filing.get("id")),
        ("Tracking code", filing.get("tracking_code")),
        ("Status", filing.get("status")),
        ("Kind", filing.get("kind")),
        ("Subject", filing.get("subject_code")),
        ("Jurisdiction", filing.get("jurisdiction")),
        ("Court", filing.get("court_id")),
        ("Forwarded", filing.get("forwarded_at")),
        ("Claim", money(filing.get("claim"))),
    )
    print("\n".join(f"{label + ':':<15}{_text(value)}" for label, value in fields))
    print("\nParties:")
    print(
        _indent(
            table(
                ("ROLE", "NAME", "NATIONAL ID", "CITY"),
                [
                    (p.get("role"), p.get("name"), p.get("national_id"), p.get("city_id"))
                    for p in filing.get("parties", [])
                ],
                truncate=False,
            )
        )
    )
    print("\nStatement:")
    print(_indent(filing.get("statement") or "-"))
    documents = filing.get("documents", [])
    print("\nDocuments:")
    print(
        _indent(
            table(
                ("DOCUMENT ID", "TYPE", "FILE", "MEDIA TYPE", "BYTES", "SHA-256"),
                [
                    (
                        d.get("document_id"),
                        d.get("document_type"),
                        d.get("filename"),
                        d.get("media_type"),
                        d.get("size"),
                        d.get("sha256"),
                    )
                    for d in documents
                ],
                truncate=False,
            )
            if documents
            else "-"
        )
    )
    return 0


def run_fetch(api: CourtApi, args: argparse.Namespace) -> int:
    document, path = api.save_document(args.filing_id, args.document_id, args.out)
    print(f"Saved {document.get('filename')} ({document.get('size')} bytes, SHA-256 checked) to {path}")
    return 0


def run_accept(api: CourtApi, args: argparse.Namespace) -> int:
    filing = api.accept(args.filing_id, case_number=args.case_number, branch_id=args.branch)
    print(
        f"Accepted {filing.get('id', args.filing_id)} as case {args.case_number} in branch {args.branch} "
        f"(status {filing.get('status')})."
    )
    return 0


def run_return(api: CourtApi, args: argparse.Namespace) -> int:
    filing = api.return_filing(args.filing_id, args.reasons)
    codes = ", ".join(reason["code"] for reason in args.reasons)
    print(f"Returned {filing.get('id', args.filing_id)} for correction: {codes} (status {filing.get('status')}).")
    return 0


def run_reasons(api: CourtApi, args: argparse.Namespace) -> int:
    reasons = api.return_reasons()
    if args.json:
        _print_json(reasons)
    else:
        print(
            table(
                ("CODE", "REASON"),
                [(r["code"], r.get("names", {}).get(args.lang) or r.get("names", {}).get("en")) for r in reasons],
                truncate=False,
            )
        )
    return 0


def run_notice(api: CourtApi, args: argparse.Namespace) -> int:
    posted = api.post_notice(json.loads(args.file.read()))
    print(f"Notice {posted['reference']} ({posted['kind']}) on case {posted['case_number']}:")
    print(_indent(table(("NATIONAL ID", "NAME", "CHANNEL", "NOTICE OR TASK"),
                        [(a["national_id"], a["name"], a["channel"], a["notice_id"]) for a in posted["addressees"]],
                        truncate=False)))
    return 0


def run_notice_status(api: CourtApi, args: argparse.Namespace) -> int:
    _print_json(api.notice(args.reference))
    return 0


def run_batch(api: CourtApi, args: argparse.Namespace) -> int:
    batch = api.post_batch(args.file.read())
    print(f"Batch {batch['batch_id']}: {batch['notices']} notices accepted, being served.")
    return 0


def run_batch_status(api: CourtApi, args: argparse.Namespace) -> int:
    _print_json(api.batch(args.batch_id))
    return 0


def run_on_bus(args: argparse.Namespace) -> int:
    if not args.amqp_url:
        print("The court's broker account is missing: set EJUSTICE_COURT_AMQP_URL (or --amqp-url).", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(args.run(CourtBus(args.amqp_url, namespace=args.namespace), args))
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except (OSError, aio_pika.exceptions.AMQPError) as error:
        print(f"The broker refused or cannot be reached: {error!r}", file=sys.stderr)
        return EXIT_UNREACHABLE


async def run_listen(bus: CourtBus, args: argparse.Namespace) -> int:
    def show(event: dict[str, Any]) -> None:
        print(json.dumps(event, ensure_ascii=False), flush=True)

    await bus.listen(show, count=args.count, idle_seconds=args.timeout)
    return 0


async def run_publish(bus: CourtBus, args: argparse.Namespace) -> int:
    envelope_id = await bus.publish_notice(json.loads(args.file.read()))
    print(f"Published on by-court.{bus.court_id}.notice.posted as event {envelope_id}; the answer comes on the "
          "court's queue (court_notice.recorded or court_notice.rejected).")
    return 0


def money(claim: dict[str, Any] | None) -> str:
    if not claim:
        return "-"
    amount = claim.get("amount")
    shown = f"{amount:,}" if isinstance(amount, int) else str(amount)
    return f"{shown} {claim.get('currency', '')}".strip()


def parties(listed: list[dict[str, Any]]) -> str:
    return "; ".join(f"{party.get('role')}: {party.get('name')}" for party in listed) or "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, truncate: bool = True) -> str:
    """Plain aligned columns; long cells are cut (the full text is in `show` and `--json`)."""
    cells = [[_text(value, truncate=truncate) for value in row] for row in rows]
    widths = [max(len(column) for column in columns) for columns in zip(headers, *cells, strict=True)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _text(value: Any, *, truncate: bool = False) -> str:
    text = "-" if value is None or value == "" else " ".join(str(value).split())
    return text[: CELL_WIDTH - 1] + "…" if truncate and len(text) > CELL_WIDTH else text


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))
