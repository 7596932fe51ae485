"""Composition root of the payment service: the fee schedule, assessments, payments and receipts."""

from ejustice_payment.fees import flows as fee_flows
from ejustice_payment.fees import views as fee_views
from ejustice_payment.payments import views as payment_views
from ejustice_payment.providers import service as providers
from ejustice_payment.providers import views as sandbox_views
from ejustice_payment.receipts import views as receipt_views
from ejustice_payment.settings import PaymentSettings
from ejustice_shared.events import FilingSubmitted
from ejustice_shared.runtime import ServiceRuntime

settings = PaymentSettings()
runtime = ServiceRuntime("payment", settings)

runtime.on_startup(providers.open_provider)
runtime.on_shutdown(providers.close_provider)

runtime.include(fee_views.router)
runtime.include(sandbox_views.router)
runtime.include(payment_views.router)
runtime.include(receipt_views.router)

runtime.subscribe(FilingSubmitted, fee_flows.on_filing_submitted)

app = runtime.create_app()
