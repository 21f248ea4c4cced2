from celery import shared_task
from django.core.cache import cache


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """The reference: a raw Celery task that does nothing."""


@shared_task(name="bench.sentinel", ignore_result=True)
def sentinel(key: str) -> None:
    """Queued after a burst of no-ops: when it runs, the burst has been consumed."""
    cache.set(key, 1, timeout=600)
