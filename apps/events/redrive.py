"""The sweep under every other guarantee: an (event, handler) whose dispatch left no trace at all
(no inbox row, no dead letter, no newer outbox row) after EVENTS_REDRIVE_AFTER is sent again.

That is what a message lost between the broker and the handler looks like: a worker that acked
a task whose retry could not be written, a queue purged, a broker that lost a message. The inbox
makes a re-drive of something that was in fact only slow harmless.
"""

import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.events import metrics, registry
from apps.events.models import DeadLetter, InboxEntry, OutboxEvent
from apps.events.outbox import nudge_relay

logger = structlog.get_logger(__name__)


def redrive_stalled(*, limit: int | None = None) -> int:
    """Write a targeted outbox row for every stalled (event, handler) of events published between
    EVENTS_REDRIVE_WINDOW and EVENTS_REDRIVE_AFTER ago; returns how many. Idempotent: a re-drive
    row is itself an outbox row newer than the deadline, so the next sweep skips the pair."""
    limit = limit or settings.EVENTS_REDRIVE_BATCH
    now = timezone.now()
    deadline = now - settings.EVENTS_REDRIVE_AFTER
    written = 0
    for event_type, handler, using in _pairs():
        if written >= limit:
            break
        stalled = _stalled(
            event_type, handler, deadline, since=now - settings.EVENTS_REDRIVE_WINDOW, using=using
        )
        for event in stalled[: limit - written]:
            written += _redrive(event, handler, using=using)
    if written:
        transaction.on_commit(nudge_relay, robust=True)  # each re-drive committed on its own
        logger.warning("events_redriven", count=written)
    return written


def _pairs() -> list[tuple[str, str, str]]:
    """(event type, handler, its database) for the handlers whose database also holds the events
    they get: the events' outbox rows and the handler's inbox must be in one database to compare.
    A handler on another database (or in another deployment) sees its events only as they come
    from the broker; for it, the broker's durability is the net (durable queue, confirms, acks_late)."""
    return [
        (event_type, subscription.name, using)
        for event_type in registry.event_types()
        for subscription in registry.subscribers(event_type)
        if (using := registry.database_of(subscription)) == DEFAULT_DB_ALIAS
    ]


def _stalled(event_type: str, handler: str, deadline, *, since, using: str):
    same = {"event_id": OuterRef("event_id"), "handler": handler}
    newer = OutboxEvent.objects.filter(**same).filter(
        Q(published_at__isnull=True) | Q(published_at__gt=deadline)
    )
    return (
        OutboxEvent.objects.using(using)
        .filter(handler="", type=event_type, published_at__lte=deadline, published_at__gt=since)
        .exclude(Exists(InboxEntry.objects.filter(**same)))
        .exclude(Exists(DeadLetter.objects.filter(**same)))
        .exclude(Exists(newer))
        .order_by("published_at")
    )


def _redrive(event: OutboxEvent, handler: str, *, using: str) -> int:
    """Send the handler the attempt it was last given, again."""
    outbox = OutboxEvent.objects.using(using)
    last = outbox.filter(event_id=event.event_id, handler=handler).order_by("-created_at", "-id").first()
    source = last or event
    redrives = outbox.filter(event_id=event.event_id, handler=handler, redrive__gt=0).count()
    try:
        with transaction.atomic(using=using):
            outbox.create(
                event_id=event.event_id,
                type=event.type,
                subject=event.subject,
                envelope=event.envelope,
                handler=handler,
                attempt=source.attempt,
                replay=source.replay,
                redrive=redrives + 1,
                first_failed_at=source.first_failed_at,
            )
    except IntegrityError:  # a concurrent sweep wrote it
        return 0
    metrics.events_redriven.labels(handler).inc()
    logger.warning("event_redriven", event_id=str(event.event_id), event_type=event.type, handler=handler)
    return 1
