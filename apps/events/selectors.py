from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils import timezone

from apps.events.models import DeadLetter, InboxEntry, OutboxEvent


@dataclass(frozen=True)
class Backlog:
    pending: int  # rows due now and not yet published
    scheduled: int  # retries and replays waiting for their time
    oldest_pending_age: timedelta | None


def outbox_backlog() -> Backlog:
    now = timezone.now()
    unpublished = OutboxEvent.objects.filter(published_at__isnull=True)
    due = unpublished.filter(available_at__lte=now)
    oldest = due.aggregate(oldest=Min("available_at"))["oldest"]
    return Backlog(
        pending=due.count(),
        scheduled=unpublished.filter(available_at__gt=now).count(),
        oldest_pending_age=now - oldest if oldest else None,
    )


def events_about(subject: str, *, limit: int = 50) -> list[dict]:
    """The most recent events about one aggregate (its `subject`), oldest first, for staff screens.
    Only what the outbox still holds (published rows are purged after EVENTS_OUTBOX_RETENTION)."""
    rows = OutboxEvent.objects.filter(subject=subject, handler="").order_by("-id")[:limit]
    return [
        {"id": str(row.event_id), "type": row.type, "time": row.created_at, "published_at": row.published_at}
        for row in reversed(rows)
    ]


def dead_letters_with_status() -> QuerySet[DeadLetter]:
    """Dead letters annotated with `settled`: the handler has since processed the event."""
    processed = InboxEntry.objects.filter(event_id=OuterRef("event_id"), handler=OuterRef("handler"))
    return DeadLetter.objects.annotate(settled=Exists(processed))


def dead_letters_open_count() -> int:
    """Dead letters whose handler has not processed the event since: work waiting for operations."""
    return dead_letters_with_status().filter(settled=False).count()


def dead_letters_in_window(*, failed_from: datetime, failed_until: datetime) -> QuerySet[DeadLetter]:
    """Unsettled dead letters whose last failure falls in [failed_from, failed_until)."""
    return dead_letters_with_status().filter(
        settled=False, last_failed_at__gte=failed_from, last_failed_at__lt=failed_until
    )
