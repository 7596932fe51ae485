from ejustice_filing.main import app, settings
from ejustice_shared.runtime import serve

serve(app, settings)
