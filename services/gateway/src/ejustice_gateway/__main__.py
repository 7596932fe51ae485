from ejustice_gateway.main import app, settings
from ejustice_shared.runtime import serve

serve(app, settings)
