from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxEvent(models.Model):
    """A domain event, written in the transaction that caused it; relayed after commit.

    A row with a `handler` is a retry or replay for that handler alone, relayed once
    `available_at` has passed. Retries wait here, not on the broker: RabbitMQ closes consumers
    that hold an unacknowledged message past its consumer_timeout (30 min by default).
    """

    event_id = models.UUIDField()
    type = models.CharField(max_length=200, db_index=True)
    subject = models.CharField(max_length=200)
    envelope = models.JSONField()  # the CloudEvents 1.0 structured envelope, as sent
    handler = models.CharField(max_length=200, blank=True, default="")  # "" = every subscriber
    attempt = models.PositiveIntegerField(default=1)
    replay = models.PositiveIntegerField(default=0)  # n for the n-th staff replay of a dead letter
    # n for the n-th re-drive by the stalled-delivery sweep (a dispatch lost without a trace)
    redrive = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "handler", "attempt", "replay", "redrive"], name="events_outbox_once"
            ),
        ]
        indexes = [
            # The relay scans only pending rows, in id order.
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="events_outbox_pending"),
            models.Index(fields=["published_at"], name="events_outbox_published"),
            models.Index(fields=["subject"], name="events_outbox_subject"),  # an order's events, for staff
        ]

    def __str__(self) -> str:
        target = f" → {self.handler} (attempt {self.attempt})" if self.handler else ""
        return f"{self.type} {self.subject}{target}"


class InboxEntry(models.Model):
    """One handler's completed processing of one event: the row that makes redelivery harmless."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    processed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "inbox entries"
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="events_inbox_once")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.handler}"


class DeadLetter(models.Model):
    """An event one handler could not process after every retry; staff replay it from the admin.

    It is settled once the inbox holds (event_id, handler): selectors derive that, nothing stores it.
    """

    event_id = models.UUIDField()
    event_type = models.CharField(max_length=200, db_index=True)
    handler = models.CharField(max_length=200, db_index=True)
    envelope = models.JSONField()
    error = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField()
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField(db_index=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "handler"], name="events_dead_letter_once"),
            models.CheckConstraint(condition=Q(attempts__gte=1), name="events_dead_letter_attempted"),
        ]
        permissions = [("replay_deadletter", "Can replay dead letters")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.handler} ({self.event_id})"
