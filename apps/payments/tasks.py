from celery import shared_task
from django.conf import settings

from apps.payments.services import payments_void_abandoned


@shared_task(name="payments.void_abandoned", ignore_result=True)
def void_abandoned() -> int:
    """Hourly: payments left waiting for an authorization answer past the idempotency window."""
    return payments_void_abandoned(older_than=settings.IDEMPOTENCY_TTL + settings.PAYMENTS_ABANDONED_AFTER)
