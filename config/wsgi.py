"""WSGI entry point for gunicorn."""

import os

from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application

from config.telemetry import configure_telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# Before Django loads its middleware, so the tracing middleware is part of it.
configure_telemetry(component="web")


class _WSGIRequest(WSGIRequest):
    """Django replaces META["PATH_INFO"] with the decoded path ("/€"); the OpenTelemetry WSGI
    helper then quotes it as Latin-1 and raised UnicodeEncodeError: a 500 for any path outside
    Latin-1 under runserver. META keeps the WSGI form (Latin-1 characters standing for the raw
    bytes) instead; Django routes on request.path_info, which is untouched."""

    def __init__(self, environ):
        wsgi_path = environ.get("PATH_INFO", "/")
        super().__init__(environ)
        self.META["PATH_INFO"] = wsgi_path


# runserver serves this same object (WSGI_APPLICATION), so both servers get the fix.
application = get_wsgi_application()
application.request_class = _WSGIRequest
