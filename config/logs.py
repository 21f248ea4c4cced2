"""structlog processors every process uses (settings import them: nothing here touches Django)."""

from opentelemetry import trace

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
