from celery import shared_task

from apps.catalog.reservations import reservations_expire


@shared_task(name="catalog.expire_reservations", ignore_result=True)
def expire_reservations() -> int:
    """Give back stock held by reservations past their expiry (beat, every minute)."""
    return reservations_expire()
