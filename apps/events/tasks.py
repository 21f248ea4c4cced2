"""Celery tasks: thin wrappers over relay.py and delivery.py."""

from celery import shared_task
from django.core.cache import cache

from apps.events import delivery
from apps.events import relay as relay_module
from apps.events.outbox import RELAY_NUDGE_KEY


@shared_task(name="events.relay", ignore_result=True)
def relay() -> int:
    """Publish pending outbox rows. Nudged after commits and swept by beat.

    While the nudge key is set, commits do not enqueue another relay: one runs at a time and
    batches grow with the load. A commit between our last claim and the key's deletion did not
    nudge, so one more pass after the deletion picks it up.
    """
    published = relay_module.relay_pending()
    cache.delete(RELAY_NUDGE_KEY)
    return published + relay_module.relay_pending()


@shared_task(name="events.dispatch", ignore_result=True)
def dispatch(
    envelope: dict, handler: str, attempt: int = 1, first_failed_at: str | None = None, replay: int = 0
) -> str:
    """Run one handler on one event. Failures are rescheduled through the outbox, so this task
    never retries on the broker. acks_late + reject_on_worker_lost (settings): a worker that dies
    mid-handler leaves the message on the broker for another worker."""
    return delivery.deliver(
        envelope, handler, attempt=attempt, first_failed_at=first_failed_at, replay=replay
    )


@shared_task(name="events.purge", ignore_result=True)
def purge() -> tuple[int, int]:
    """Delete published outbox rows and old inbox rows past their retention."""
    return relay_module.purge_published()
