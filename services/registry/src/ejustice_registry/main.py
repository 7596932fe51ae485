"""Composition root of the registry service: service offices, courts, branches and jurisdiction."""

from ejustice_registry.settings import RegistrySettings
from ejustice_shared.runtime import ServiceRuntime

settings = RegistrySettings()
runtime = ServiceRuntime("registry", settings)

app = runtime.create_app()
