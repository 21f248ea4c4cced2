"""structlog processors and the OTLP log handler every process uses (settings import them:
nothing here touches Django)."""

from opentelemetry import trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler

# Keys whose values never belong in a log, wherever they come from (a bound context, an
# exception's extra, a careless `logger.info(..., **payload)`).
SECRET_KEYS = frozenset(
    {
        "authorization",
        "password",
        "token",
        "secret",
        "api_key",
        "card_number",
        "cvc",
        "cvv",
        "idempotency_key",
        "webhook_secret",
    }
)
REDACTED = "[redacted]"


def add_trace_context(logger, method_name: str, event_dict: dict) -> dict:
    """trace_id and span_id of the current span, as the tracing backend shows them (hex)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def redact_secrets(logger, method_name: str, event_dict: dict) -> dict:
    for key in event_dict.keys() & SECRET_KEYS:
        event_dict[key] = REDACTED
    return event_dict


class OTLPLogHandler(LoggingHandler):
    """Sends each record to the OpenTelemetry logs pipeline as well as stdout.

    The body is the record formatted by the handler's formatter (settings give it the JSON one),
    so the log store holds the very line stdout gets; trace_id and span_id also travel as the
    record's own OTLP fields. Of the attributes only the exception ones stay: the rest is in the
    line already, and structlog's private record attributes (a logger object) are no valid values.
    """

    def _get_attributes(self, record):
        attributes, event_name = super()._get_attributes(record)
        return {key: value for key, value in attributes.items() if key.startswith("exception.")}, event_name

    def filter(self, record) -> bool:
        # The exporter logs its own failures: sent back through it, one outage would feed itself.
        return not record.name.startswith("opentelemetry") and super().filter(record)
