"""Composition root of the payment service: the fee schedule, assessments, payments, refunds, receipts,
the ledger and the daily reconciliation."""

from ejustice_payment.fees import flows as fee_flows
from ejustice_payment.fees import views as fee_views
from ejustice_payment.ledger import views as ledger_views
from ejustice_payment.payments import flows as payment_flows
from ejustice_payment.payments import views as payment_views
from ejustice_payment.pos import views as pos_views
from ejustice_payment.providers import service as providers
from ejustice_payment.providers import views as sandbox_views
from ejustice_payment.receipts import views as receipt_views
from ejustice_payment.reconciliation import flows as reconciliation_flows
from ejustice_payment.reconciliation import views as reconciliation_views
from ejustice_payment.refunds import views as refund_views
from ejustice_payment.settings import PaymentSettings
from ejustice_shared.events import (
    FeeAssessed,
    FeeReassessed,
    FilingResubmitted,
    FilingSubmitted,
    PaymentCompleted,
    PaymentExpired,
    PaymentRefunded,
    PaymentRefundRequested,
    ReconciliationMismatch,
)
from ejustice_shared.runtime import ServiceRuntime

settings = PaymentSettings()
runtime = ServiceRuntime("payment", settings)

runtime.on_startup(providers.open_provider)
runtime.on_startup(providers.open_pos_terminal)
runtime.on_startup(payment_flows.start_clock)
runtime.on_startup(reconciliation_flows.start_clock)
runtime.on_shutdown(reconciliation_flows.stop_clock)
runtime.on_shutdown(payment_flows.stop_clock)
runtime.on_shutdown(providers.close_provider)
runtime.check_readiness("payment-clock", lambda: payment_flows.clock_readiness(runtime))

runtime.include(fee_views.router)
runtime.include(sandbox_views.router)
runtime.include(refund_views.router)
runtime.include(ledger_views.router)
runtime.include(reconciliation_views.router)
runtime.include(pos_views.router)
runtime.include(payment_views.router)
runtime.include(receipt_views.router)

runtime.publishes(FeeAssessed, FeeReassessed, PaymentCompleted, PaymentExpired, PaymentRefundRequested,
                  PaymentRefunded, ReconciliationMismatch)
runtime.subscribe(FilingSubmitted, fee_flows.on_filing_submitted)
runtime.subscribe(FilingResubmitted, fee_flows.on_filing_resubmitted)

app = runtime.create_app()
