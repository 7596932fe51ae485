from ejustice_notification.main import app, settings
from ejustice_shared.runtime import serve

serve(app, settings)
