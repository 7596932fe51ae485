"""Composition root of the filing service: filings, their subjects and their dossier."""

from ejustice_filing.filings import flows as filing_flows
from ejustice_filing.filings import views as filing_views
from ejustice_filing.settings import FilingSettings
from ejustice_filing.subjects import views as subject_views
from ejustice_shared.events import FeeAssessed
from ejustice_shared.runtime import ServiceRuntime

settings = FilingSettings()
runtime = ServiceRuntime("filing", settings)

runtime.include(subject_views.router)
runtime.include(filing_views.router)

runtime.subscribe(FeeAssessed, filing_flows.on_fee_assessed)

app = runtime.create_app()
