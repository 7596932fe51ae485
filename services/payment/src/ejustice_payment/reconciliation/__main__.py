"""Reconcile a day on demand, without the service's HTTP API (for an operator's shell or a cron job):

    python -m ejustice_payment.reconciliation [--day YYYY-MM-DD]

The day defaults to yesterday (UTC). It prints the report as JSON and exits 0 when everything
matched, 2 when it found mismatches. The mismatch events it records are published by the running
payment service's outbox relay (its sweep picks up what another process stored).
"""

import argparse
import asyncio
import sys
from datetime import date, timedelta

from pymongo import AsyncMongoClient

from ejustice_payment.payments import service as payments
from ejustice_payment.providers.service import open_provider_for
from ejustice_payment.reconciliation import service
from ejustice_payment.settings import PaymentSettings
from ejustice_shared import clock
from ejustice_shared.commits import CommitStore


async def main(day: date) -> int:
    settings = PaymentSettings()
    mongo = AsyncMongoClient(settings.mongodb_url, tz_aware=True, serverSelectionTimeoutMS=5000, timeoutMS=60_000,
                             appname="ejustice-payment-reconciliation")
    db = mongo[settings.database_name]
    provider = open_provider_for(settings, db)
    try:
        commits = CommitStore(db)
        report = await service.reconcile(commits, provider, day=day,
                                         filing_of=payments.filing_lookup(commits))
    finally:
        await provider.close()
        await mongo.close()
    print(report.model_dump_json(indent=2))
    return 2 if report.mismatches or report.unreadable_rows else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m ejustice_payment.reconciliation",
                                     description="Reconcile a day's settlement file on demand.")
    parser.add_argument("--day", type=date.fromisoformat, default=clock.now().date() - timedelta(days=1),
                        help="the settlement day, YYYY-MM-DD (default: yesterday, UTC)")
    sys.exit(asyncio.run(main(parser.parse_args().day)))
