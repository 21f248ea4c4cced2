from django.db import models


class IdempotencyKey(models.Model):
    """One client's Idempotency-Key on one endpoint: the claim while its request runs, then the
    stored answer that every retry with the same key and body gets back (apps/common/idempotency.py).
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        COMPLETED = "completed", "Completed"

    principal = models.CharField(max_length=64)  # str(user.pk): keys are per client
    endpoint = models.CharField(max_length=512)  # "POST /api/v1/orders"
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 hex of the canonical request body
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The JSON text exactly as first rendered. Not a JSONField: PostgreSQL's jsonb reorders
    # object keys, and a replay must be byte-for-byte the first answer.
    response_body = models.TextField(blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    # Also the claim's token: a takeover resets it, so a superseded request cannot complete or
    # release the record another request now owns.
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "endpoint", "key"], name="common_idempotency_key_once"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="common_idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key} ({self.state})"
