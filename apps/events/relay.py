"""Publish committed outbox rows to the broker: one dispatch message per chunk of events of one
type, so a batch of claimed rows costs a few confirmed publishes instead of one each. New events
go to every deployment subscribed to their type, retries and replays to this deployment's own
queue (routing.py): the relay needs no subscriber list, so it can feed other deployments."""

from contextlib import nullcontext

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from opentelemetry import propagate, trace

from apps.events import metrics, registry, routing
from apps.events.models import InboxEntry, OutboxEvent

_OWN_QUEUE = ""  # destination key of targeted rows (new events are keyed by their type)
tracer = trace.get_tracer(__name__)


def relay_batch(*, batch_size: int, using: str = DEFAULT_DB_ALIAS) -> int:
    """Claim up to batch_size pending rows (oldest first), publish them, mark them published.

    Publishing happens while the rows are locked, before commit: if the commit then fails the
    rows stay pending and are published again (at-least-once; the inbox absorbs the repeat).
    Committing first and publishing after would lose events whenever the publish failed; a
    publish failing after earlier chunks went out rolls the whole batch back, and those chunks
    are published again with it. SKIP LOCKED lets several relays run at once.
    """
    from apps.events.tasks import dispatch_many

    with transaction.atomic(using=using), tracer.start_as_current_span("events.relay_batch") as span:
        batch = list(
            OutboxEvent.objects.using(using)
            .select_for_update(skip_locked=True)
            .filter(published_at__isnull=True, available_at__lte=timezone.now())
            .order_by("id")[:batch_size]
        )
        destinations: dict[str, list[dict]] = {}
        for event in batch:
            with _event_span(event, batch_span=span):
                destinations.setdefault(_OWN_QUEUE if event.handler else event.type, []).append(
                    _delivery(event)
                )
        chunk = settings.EVENTS_DISPATCH_CHUNK
        with _producer(dispatch_many.app) as producer:
            if producer is not None and len(destinations) > (_OWN_QUEUE in destinations):
                producer.maybe_declare(routing.events_exchange())  # once per connection (cached)
            for destination, items in destinations.items():
                options = (
                    routing.to_own_queue()
                    if destination == _OWN_QUEUE
                    else routing.to_subscribers(destination)
                )
                for start in range(0, len(items), chunk):
                    dispatch_many.apply_async(
                        args=(items[start : start + chunk],), producer=producer, **options
                    )
        if batch:
            OutboxEvent.objects.using(using).filter(pk__in=[event.pk for event in batch]).update(
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


def _delivery(event: OutboxEvent) -> dict:
    """What dispatch_many runs for the event: `handler` None means every subscriber the consuming
    deployment has. It carries the context of the event's relay span (current here), so the
    handler's span continues that trace."""
    first_failed_at = event.first_failed_at.isoformat() if event.first_failed_at else None
    trace_context: dict[str, str] = {}
    propagate.inject(trace_context)
    metrics.events_relayed.labels(event.type).inc()
    return {
        "envelope": event.envelope,
        "handler": event.handler or None,
        "attempt": event.attempt,
        "first_failed_at": first_failed_at,
        "replay": event.replay,
        "trace": trace_context,
    }


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


def relay_pending() -> int:
    """Relay batches from each database holding an outbox until its backlog is drained or the
    time budget is spent."""
    deadline = timezone.now() + settings.EVENTS_RELAY_TIME_BUDGET
    total = 0
    for using in registry.events_databases():
        while True:
            published = relay_batch(batch_size=settings.EVENTS_RELAY_BATCH_SIZE, using=using)
            total += published
            if published < settings.EVENTS_RELAY_BATCH_SIZE or timezone.now() >= deadline:
                break
    return total


def purge_published() -> tuple[int, int]:
    """Delete published outbox rows and inbox rows past their retention, in each database holding
    them; returns both counts."""
    now = timezone.now()
    outbox = inbox = 0
    for using in registry.events_databases():
        outbox += _delete(
            OutboxEvent.objects.using(using).filter(published_at__lt=now - settings.EVENTS_OUTBOX_RETENTION)
        )
        inbox += _delete(
            InboxEntry.objects.using(using).filter(processed_at__lt=now - settings.EVENTS_INBOX_RETENTION)
        )
    return outbox, inbox


def _delete(queryset) -> int:
    deleted, _ = queryset.delete()
    return deleted
