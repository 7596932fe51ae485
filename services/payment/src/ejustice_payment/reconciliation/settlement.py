"""The settlement file's CSV layout (see models.SettlementRow): written by the sandbox, read by reconciliation."""

import csv
import io

from pydantic import ValidationError

from ejustice_payment.reconciliation.models import SettlementRow

COLUMNS = list(SettlementRow.model_fields)
# The file is read whole; a real day's file is far below this.
MAX_ROWS = 1_000_000


def write_settlement(rows: list[SettlementRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = row.model_dump(mode="json")
        values["transaction_type"] = values["transaction_type"].upper()
        writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue()


def read_settlement(text: str) -> tuple[list[SettlementRow], list[str]]:
    """The rows of a settlement file, and a line per row that could not be read (never silently dropped)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return [], []
    missing = [c for c in COLUMNS if c not in reader.fieldnames]
    if missing:
        return [], [f"header: missing columns {', '.join(missing)}"]
    rows, unreadable = [], []
    for line, record in enumerate(reader, start=2):
        if line > MAX_ROWS:
            unreadable.append(f"line {line}: the file is longer than {MAX_ROWS} rows; the rest was not read")
            break
        values = {c: (record.get(c) or "").strip() for c in COLUMNS}
        values["transaction_type"] = values["transaction_type"].lower()
        try:
            rows.append(SettlementRow.model_validate(values))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            unreadable.append(f"line {line}: {problems}")
    return rows, unreadable
