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


@contextmanager
def joined(carrier: dict | None) -> Iterator[None]:
    """Run the block in the context the carrier holds (a relay span's, sent along with a
    delivery), whatever is current now."""
    if not carrier:
        yield
        return
    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def restoring_context() -> Iterator[None]:
    """Leave the caller's trace context as it was, whatever the block does.

    Celery's instrumentation makes its publish span current in before_task_publish and only
    detaches it in after_task_publish, which a failed publish never reaches: without this, every
    later span and log line of the thread would hang under a publish that never happened.
    """
    token = context.attach(context.get_current())
    try:
        yield
    finally:
        context.detach(token)
