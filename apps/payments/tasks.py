from celery import shared_task
from django.conf import settings

from apps.payments.reconciliation import payments_reconcile
from apps.payments.services import payments_void_abandoned


@shared_task(name="payments.void_abandoned", ignore_result=True)
def void_abandoned() -> int:
    """Hourly: payments left waiting for an authorization answer past the idempotency window."""
    return payments_void_abandoned(older_than=settings.IDEMPOTENCY_TTL + settings.PAYMENTS_ABANDONED_AFTER)


@shared_task(name="payments.reconcile", ignore_result=True)
def reconcile() -> int:
    """Every 10 minutes: payments in doubt asked about at the provider, authorizations about to
    expire captured or voided. Returns how many findings need staff (the report is in the admin)."""
    return payments_reconcile().needs_staff
