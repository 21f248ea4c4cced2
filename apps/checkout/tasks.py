"""Celery tasks: thin wrappers over the services."""

from celery import shared_task

from apps.checkout.services import checkouts_purge


@shared_task(name="checkout.purge_expired", ignore_result=True)
def purge_expired() -> int:
    """Delete abandoned checkouts past CHECKOUT_EXPIRE_AFTER. Scheduled hourly by beat; safe twice."""
    return checkouts_purge()
