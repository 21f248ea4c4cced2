from celery import shared_task

from apps.catalog.pending_events import relay_pending
from apps.catalog.reservations import reservations_expire


@shared_task(name="catalog.expire_reservations", ignore_result=True)
def expire_reservations() -> int:
    """Give back stock held by reservations past their expiry (beat, every minute)."""
    return reservations_expire()


@shared_task(name="catalog.relay_pending_events", ignore_result=True)
def relay_pending_events() -> int:
    """Deliver catalog events whose writer died before the outbox row (beat, every 30 s)."""
    return relay_pending()
