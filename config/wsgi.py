"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from config.telemetry import configure_telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# Before Django loads its middleware, so the tracing middleware is part of it.
configure_telemetry(component="web")
application = get_wsgi_application()
