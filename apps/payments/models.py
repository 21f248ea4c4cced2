import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class PaymentStatus(models.TextChoices):
    """Modelled on Stripe's PaymentIntent; `authorized` is Stripe's requires_capture."""

    REQUIRES_AUTHORIZATION = "requires_authorization"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    FAILED = "failed"


class Payment(models.Model):
    """One payment intent for one order: authorized once, captured at most once, refunded in parts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(db_index=True)  # a plain value: orders are another module's
    provider = models.CharField(max_length=30)
    provider_ref = models.CharField(max_length=255, blank=True, default="", db_index=True)
    payment_method = models.CharField(max_length=255)
    # Sent to the provider with the authorization; a retry of the same request reuses the intent.
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=30, choices=PaymentStatus.choices, default=PaymentStatus.REQUIRES_AUTHORIZATION
    )
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField(help_text="Requested, in minor units.")
    amount_authorized = models.BigIntegerField(default=0)
    amount_captured = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=100, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    # When the provider drops the authorization if it is not captured (PAYMENTS_AUTHORIZATION_VALIDITY).
    authorization_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Last asked about at the provider by reconciliation (bookkeeping: no new version).
    reconciled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("capture_payment", "Can capture payment"),
            ("refund_payment", "Can refund payment"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    amount__gte=0, amount_authorized__gte=0, amount_captured__gte=0, amount_refunded__gte=0
                ),
                name="payments_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_captured__lte=F("amount_authorized")),
                name="payments_captured_le_authorized",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_captured")), name="payments_refunded_le_captured"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.id} ({self.status})"


class Capture(models.Model):
    """The one capture of a payment; what it leaves uncaptured goes back to the customer."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="capture")
    amount = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_capture_positive")]

    def __str__(self) -> str:
        return f"capture of {self.amount} ({self.payment_id})"


class Refund(models.Model):
    """One refund, partial or full; their sum never exceeds the captured amount (see Payment)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    provider_ref = models.CharField(max_length=255, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive")]

    def __str__(self) -> str:
        return f"refund of {self.amount} ({self.payment_id})"


class ProviderEvent(models.Model):
    """A provider callback we applied: the unique row makes a redelivered callback harmless."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=30)
    provider_ref = models.CharField(max_length=255)
    occurred_at = models.DateTimeField()
    applied = models.BooleanField(help_text="False when it was older news than the payment's state.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payments_provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} ({self.kind})"


class ParkedWebhook(models.Model):
    """A correctly signed provider callback we could not read (not JSON, or a shape we do not
    know): kept as received for staff, who apply it by hand or fix the parser."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=255, blank=True)
    event_type = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    body = models.TextField(help_text="The raw body as received (decoded as UTF-8, errors replaced).")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A provider resending the same unreadable event parks it once.
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=~models.Q(event_id=""),
                name="payments_parked_webhook_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id or '(no id)'} {self.event_type}".strip()


class PaymentStatusChange(models.Model):
    """The audit trail: one row per transition of a payment (services._transition), with the
    payment's version it produced, who or what moved it and why."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="status_changes")
    action = models.CharField(max_length=30)  # a key of transitions.TRANSITIONS
    from_status = models.CharField(max_length=30, choices=PaymentStatus.choices)
    to_status = models.CharField(max_length=30, choices=PaymentStatus.choices)
    version = models.PositiveIntegerField(help_text="The payment's version after this change.")
    actor = models.CharField(max_length=300)  # "system", "staff <x@y.z>", "stripe webhook", "reconciliation"
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One change per version: two writers can never both record the same step.
            models.UniqueConstraint(fields=["payment", "version"], name="payments_status_change_once")
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ProviderCallInDoubt(models.Model):
    """A capture or refund call that got no answer (timeout, 5xx): the provider may have done it.
    Reconciliation asks the provider and records the outcome under this call's idempotency key."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="calls_in_doubt")
    operation = models.CharField(max_length=10)  # "capture" or "refund"
    idempotency_key = models.CharField(max_length=255, unique=True)
    amount = models.BigIntegerField()
    actor = models.CharField(max_length=300, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        verbose_name_plural = "provider calls in doubt"

    def __str__(self) -> str:
        return f"{self.operation} of {self.amount} ({self.payment_id})"


class ReconciliationRun(models.Model):
    """The report of one reconciliation run: what was checked, what was found and done."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    checked = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    needs_staff = models.PositiveIntegerField()
    findings = models.JSONField(default=list)  # reconciliation.Finding as dicts

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M} ({self.changed} changed)"
