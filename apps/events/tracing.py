"""Trace context across the outbox: the envelope carries the traceparent of the request that
caused the event, and whatever runs because of the event continues that trace."""

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, propagate, trace


@contextmanager
def continue_trace(carrier: dict) -> Iterator[None]:
    """Run the block inside the trace the carrier's `traceparent` names.

    When the current span already belongs to that trace (Celery's instrumentation carried it
    through the relay's publish), it stays the parent: the trace then shows the relay and the
    task in between. Otherwise (a sweep, a retry, a replay) the block joins the trace directly.
    """
    extracted = propagate.extract(carrier)
    origin = trace.get_current_span(extracted).get_span_context()
    current = trace.get_current_span().get_span_context()
    if not origin.is_valid or (current.is_valid and current.trace_id == origin.trace_id):
        yield
        return
    token = context.attach(extracted)
    try:
        yield
    finally:
        context.detach(token)
