"""Celery tasks: thin wrappers over the services."""

from celery import shared_task

from apps.common.idempotency import idempotency_keys_purge


@shared_task(name="common.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete expired Idempotency-Key records. Scheduled hourly by beat; safe to run twice."""
    return idempotency_keys_purge()
