"""Composition root of the payment service: the fee schedule, assessments and payments."""

from ejustice_payment.fees import flows as fee_flows
from ejustice_payment.fees import views as fee_views
from ejustice_payment.settings import PaymentSettings
from ejustice_shared.events import FilingSubmitted
from ejustice_shared.runtime import ServiceRuntime

settings = PaymentSettings()
runtime = ServiceRuntime("payment", settings)

runtime.include(fee_views.router)

runtime.subscribe(FilingSubmitted, fee_flows.on_filing_submitted)

app = runtime.create_app()
