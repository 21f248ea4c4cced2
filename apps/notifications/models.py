from django.db import models
from django.db.models import Q
from django.utils import timezone

# A guest's email is recorded for "guest-order:<order id>": the address is asked of orders at each
# send (channels.email_address), so it is in no delivery row and an erasure since is respected.
GUEST_ORDER = "guest-order:"


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt
    SENDING = "sending"  # a worker holds it until `lease_until`
    RETRYING = "retrying"  # failed, next attempt at `next_attempt_at`
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # retries exhausted or a permanent failure: staff replay it
    MISSED = "missed"  # its endpoint was disabled: offered for replay when re-enabled
    SUPPRESSED = "suppressed"  # nobody to send to (a guest's address erased): final, `last_error` says why


class WebhookEndpoint(models.Model):
    """A receiver of signed webhooks for the event types it subscribes to.

    `is_active` is the staff switch (off: nothing is recorded for it). `disabled_at` is set by the
    system after every delivery failed for NOTIFICATIONS_WEBHOOK_DISABLE_AFTER: deliveries are then
    recorded as missed, and re-enabling offers to replay them.
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Exact types ("orders.OrderShipped.v1"), a module wildcard ("orders.*") or "*".
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # [{"secret": "whsec_...", "expires_at": ISO time or None}], newest first. Stored in clear:
    # HMAC needs the key itself. Rotation keeps the old one signing until it expires.
    secrets = models.JSONField(default=list)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("send_test_event", "Can send a test event to a webhook endpoint")]

    def __str__(self) -> str:
        return self.description or self.url


class Delivery(models.Model):
    """One notification of one event to one recipient on one channel: the row that makes a
    redelivered event harmless (unique) and that records every attempt's outcome."""

    event_id = models.UUIDField()
    event_type = models.CharField(max_length=200, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Email address, phone number, "endpoint:<id>" for webhooks, or "guest-order:<order id>" for a
    # guest's email (the address is asked of orders at each send, never kept here).
    recipient = models.CharField(max_length=320)
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE)
    template = models.CharField(max_length=100, blank=True)  # email/SMS template name
    envelope = models.JSONField()  # the CloudEvents envelope: the webhook body, the templates' data
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # in the current round (a replay starts a new one)
    replay_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "channel", "recipient"], name="notifications_delivery_once"
            ),
        ]
        indexes = [
            # The sweep scans only deliveries that still have work to do.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "retrying", "sending"]),
                name="notifications_delivery_due",
            ),
        ]
        permissions = [("replay_delivery", "Can replay deliveries")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.channel} {self.recipient}"


class OrderFacts(models.Model):
    """What notifications knows of an order, projected from the orders events (all carry these):
    payment events name only the order, and notifications may not ask orders in-process. No
    personal data: the contact details are asked of their owners when sent (sources.py)."""

    order_id = models.UUIDField(primary_key=True)
    number = models.CharField(max_length=32)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # None: a guest, or erased
    aggregate_version = models.PositiveIntegerField()  # of the order: an older event changes nothing

    class Meta:
        verbose_name_plural = "order facts"

    def __str__(self) -> str:
        return self.number
