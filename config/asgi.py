"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from config.telemetry import configure_telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# Before Django loads its middleware, so the tracing middleware is part of it.
configure_telemetry(component="web")
application = get_asgi_application()
