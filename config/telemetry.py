"""OpenTelemetry set-up, once per process (web, worker, beat).

Exporters follow the standard variables: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
spans on stdout when OTEL_TRACES_EXPORTER=console, nothing exported otherwise.
"""

import os

from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_configured = False


def configure_telemetry(*, component: str) -> None:
    """Install the tracer provider and instrumentations; must run before Django loads middleware."""
    global _configured
    if _configured:
        return
    _configured = True

    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", "commerce"),
            "service.namespace": "commerce",
            "deployment.environment.name": settings_module.rsplit(".", 1)[-1],
            "commerce.component": component,
        }
    )
    provider = TracerProvider(resource=resource)
    exporter = _exporter()
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()


def _exporter():
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
        return ConsoleSpanExporter()
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # reads the endpoint and headers from OTEL_* itself
    return None
