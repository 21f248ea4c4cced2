"""Celery tasks: thin wrappers over services.py. Webhooks have a queue of their own, so receivers
that hang until the timeout never delay a customer's email or SMS (and vice versa)."""

from celery import shared_task

from apps.notifications import ratelimit, services


def _send(task, delivery_id: int, channel: str) -> str:
    wait = ratelimit.rate_limit_wait(channel=channel)
    if wait and not task.app.conf.task_always_eager:
        # Over the channel's limit: back on the queue for the next window, not counted as an attempt.
        task.apply_async((delivery_id, channel), countdown=wait)
        return "rate_limited"
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(bind=True, name="notifications.send_webhook", ignore_result=True)
def send_webhook(self, delivery_id: int, channel: str = "webhook") -> str:
    """One attempt at one webhook delivery. Failures are rescheduled by the service, never retried
    by Celery: the delivery row, not the message, holds the schedule."""
    return _send(self, delivery_id, channel)


@shared_task(bind=True, name="notifications.send_message", ignore_result=True)
def send_message(self, delivery_id: int, channel: str) -> str:
    """One attempt at one email or SMS delivery."""
    return _send(self, delivery_id, channel)


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep() -> int:
    """Enqueue due deliveries that have no task on the way (beat)."""
    return services.deliveries_sweep()
