"""OpenTelemetry set-up, once per process (web, worker, beat).

Exporters follow the standard variables: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
spans on stdout when OTEL_TRACES_EXPORTER=console, nothing exported otherwise. The sampler comes
from OTEL_TRACES_SAMPLER (default: every trace; compose: parentbased_traceidratio 0.1). The SDK's
samplers decide when a span starts, so keeping every error or slow trace is the collector's job
(tail sampling), not a sampler's here. OTEL_SDK_DISABLED=true turns all of it off.
A span per SQL statement and per Redis command only with OTEL_STATEMENT_SPANS=true: they were
half of what every trace cost POST /orders (bench/README.md), and the request's own spans
already time each step.
Logs: with OTEL_LOGS_EXPORTER=otlp every record also goes to the collector (OTLP/HTTP, same
endpoint), besides the JSON line on stdout; settings add the handler (config/logs.py).

Forked children (gunicorn workers, Celery's prefork pool) inherit the provider: the SDK restarts
its export thread after a fork, so configuring in the parent is enough.
"""

import os

from opentelemetry import _logs, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

# Probes and scrapes would be most of the spans and tell nothing.
UNTRACED_PATHS = "healthz,readyz,metrics"

_configured = False


def telemetry_disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def logs_exported() -> bool:
    """Whether log records go to the collector too (settings ask it to add the handler)."""
    return not telemetry_disabled() and os.environ.get("OTEL_LOGS_EXPORTER", "").strip().lower() == "otlp"


def configure_telemetry(*, component: str) -> None:
    """Install the tracer provider and instrumentations; must run before Django loads middleware."""
    global _configured
    if _configured or telemetry_disabled():
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
    if logs_exported():
        _logs.set_logger_provider(_logger_provider(resource))
    _instrument_libraries()


def _instrument_libraries() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    instrumentations = {
        "django": lambda: DjangoInstrumentor().instrument(excluded_urls=UNTRACED_PATHS),
        # Publish spans inject the context into the message; run spans extract it.
        "celery": lambda: CeleryInstrumentor().instrument(),
        "psycopg": lambda: PsycopgInstrumentor().instrument(enable_commenter=False),
        "redis": lambda: RedisInstrumentor().instrument(),
        "pymongo": lambda: PymongoInstrumentor().instrument(),
        # Webhooks, the SMS gateway, Stripe: traceparent goes out.
        "requests": lambda: RequestsInstrumentor().instrument(),
    }
    for name in enabled_instrumentations(os.environ):
        instrumentations[name]()


INSTRUMENTATIONS = ("django", "celery", "psycopg", "redis", "pymongo", "requests")
STATEMENT_INSTRUMENTATIONS = frozenset({"psycopg", "redis"})  # a span per statement or command


def enabled_instrumentations(environ) -> list[str]:
    """The libraries to instrument, in order. OTEL_PYTHON_DISABLED_INSTRUMENTATIONS (the variable
    opentelemetry-instrument reads, same meaning) leaves some alone; the per-statement ones only
    with OTEL_STATEMENT_SPANS=true."""
    disabled = {name.strip() for name in environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "").split(",")}
    if environ.get("OTEL_STATEMENT_SPANS", "").strip().lower() != "true":
        disabled |= STATEMENT_INSTRUMENTATIONS
    return [name for name in INSTRUMENTATIONS if name not in disabled]


def _logger_provider(resource: Resource) -> LoggerProvider:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    # The same resource as the spans: service.name becomes the log store's service_name label.
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    return provider


def _exporter():
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
        return ConsoleSpanExporter()
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # reads the endpoint and headers from OTEL_* itself
    return None
