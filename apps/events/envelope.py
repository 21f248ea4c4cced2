"""CloudEvents 1.0 structured-mode envelopes (field names as in the spec and the SDK)."""

import dataclasses
import json
import re
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from opentelemetry import propagate

EVENT_TYPE = re.compile(r"^(?P<module>[a-z][a-z0-9_]*)\.[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$")


def event_module(event_type: str) -> str:
    """ "orders.OrderCreated.v1" -> "orders"; refuses names that break the convention."""
    match = EVENT_TYPE.match(event_type)
    if match is None:
        raise ValueError(f"event type {event_type!r} must look like 'module.EventName.v1'")
    return match["module"]


def build_envelope(
    *, event_type: str, subject: str, data, aggregate_version: int, event_id: str | None = None
) -> dict:
    """The envelope for one event, carrying the current trace context (W3C traceparent).
    `event_id`: a producer that may send the same event twice (recovery) names it itself."""
    if type(aggregate_version) is not int or aggregate_version < 1:
        raise ValueError(
            "aggregate_version must be a positive int (the aggregate's version after the change)"
        )
    trace_context: dict[str, str] = {}
    propagate.inject(trace_context)
    return {
        "specversion": "1.0",
        "id": str(event_id or uuid.uuid4()),
        "source": f"/commerce/{event_module(event_type)}",
        "type": event_type,
        "time": timezone.now().isoformat().replace("+00:00", "Z"),
        "subject": str(subject),
        "datacontenttype": "application/json",
        "data": _json_data(data),
        "aggregateversion": aggregate_version,
        "traceparent": trace_context.get("traceparent", ""),
        "tracestate": trace_context.get("tracestate", ""),
    }


def _json_data(data) -> dict:
    """Contracts dataclasses or plain dicts, normalised to what JSON round-trips (UUIDs, times as text)."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    if not isinstance(data, dict):
        raise TypeError(f"event data must be a dataclass or a dict, not {type(data).__name__}")
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
