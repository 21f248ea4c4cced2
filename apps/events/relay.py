"""Publish committed outbox rows to the broker: one dispatch message per chunk of (event, handler)
deliveries, so a batch of claimed rows costs a few confirmed publishes instead of one each."""

from contextlib import nullcontext

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from opentelemetry import propagate, trace

from apps.events import metrics, registry
from apps.events.models import InboxEntry, OutboxEvent

logger = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)


def relay_batch(*, batch_size: int) -> int:
    """Claim up to batch_size pending rows (oldest first), publish them, mark them published.

    Publishing happens while the rows are locked, before commit: if the commit then fails the
    rows stay pending and are published again (at-least-once; the inbox absorbs the repeat).
    Committing first and publishing after would lose events whenever the publish failed; a
    publish failing after earlier chunks went out rolls the whole batch back, and those chunks
    are published again with it. SKIP LOCKED lets several relays run at once.
    """
    from apps.events.tasks import dispatch_many

    with transaction.atomic(), tracer.start_as_current_span("events.relay_batch") as span:
        batch = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True, available_at__lte=timezone.now())
            .order_by("id")[:batch_size]
        )
        deliveries = []
        for event in batch:
            with _event_span(event, batch_span=span):
                deliveries += _deliveries(event)
        chunk = settings.EVENTS_DISPATCH_CHUNK
        with _producer(dispatch_many.app) as producer:
            for start in range(0, len(deliveries), chunk):
                dispatch_many.apply_async(args=(deliveries[start : start + chunk],), producer=producer)
        if batch:
            OutboxEvent.objects.filter(pk__in=[event.pk for event in batch]).update(
                published_at=timezone.now()
            )
        span.set_attribute("events.count", len(batch))
    return len(batch)


def _producer(app):
    """One broker channel for the batch; none in-process (eager tasks publish nothing, and a
    producer would open a connection to a broker that is not configured)."""
    if app.conf.task_always_eager:
        return nullcontext()
    return app.producer_or_acquire()


def _deliveries(event: OutboxEvent) -> list[dict]:
    """What dispatch_many runs for the event: one item per handler, each carrying the context of
    the event's relay span (current here), so the handler's span continues that trace."""
    first_failed_at = event.first_failed_at.isoformat() if event.first_failed_at else None
    trace_context: dict[str, str] = {}
    propagate.inject(trace_context)
    metrics.events_relayed.labels(event.type).inc()
    return [
        {
            "envelope": event.envelope,
            "handler": handler,
            "attempt": event.attempt,
            "first_failed_at": first_failed_at,
            "replay": event.replay,
            "trace": trace_context,
        }
        for handler in _handlers(event)
    ]


def _event_span(event: OutboxEvent, *, batch_span: trace.Span):
    """A span in the trace of the request that caused the event (a batch mixes many requests'
    events, so the batch span only links to it). The deliveries made inside it carry its
    context to the worker."""
    return tracer.start_as_current_span(
        f"events.relay {event.type}",
        context=propagate.extract(event.envelope),
        links=[trace.Link(batch_span.get_span_context())],
        attributes={
            "event.id": str(event.event_id),
            "event.type": event.type,
            "event.attempt": event.attempt,
        },
    )


def _handlers(event: OutboxEvent) -> list[str]:
    """A retry or replay row targets one handler; a new event goes to every subscriber."""
    if event.handler:
        return [event.handler]
    names = [subscription.name for subscription in registry.subscribers(event.type)]
    if not names:
        metrics.events_unrouted.labels(event.type).inc()
        logger.info("event_without_subscribers", event_type=event.type, event_id=str(event.event_id))
    return names


def relay_pending() -> int:
    """Relay batches until the backlog is drained or the time budget is spent."""
    deadline = timezone.now() + settings.EVENTS_RELAY_TIME_BUDGET
    total = 0
    while True:
        published = relay_batch(batch_size=settings.EVENTS_RELAY_BATCH_SIZE)
        total += published
        if published < settings.EVENTS_RELAY_BATCH_SIZE or timezone.now() >= deadline:
            return total


def purge_published() -> tuple[int, int]:
    """Delete published outbox rows and inbox rows past their retention; returns both counts."""
    now = timezone.now()
    outbox, _ = OutboxEvent.objects.filter(published_at__lt=now - settings.EVENTS_OUTBOX_RETENTION).delete()
    inbox, _ = InboxEntry.objects.filter(processed_at__lt=now - settings.EVENTS_INBOX_RETENTION).delete()
    return outbox, inbox
