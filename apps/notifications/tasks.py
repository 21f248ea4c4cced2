"""Celery tasks: thin wrappers over services.py. Webhooks have a queue of their own, so receivers
that hang until the timeout never delay a customer's email or SMS (and vice versa)."""

from celery import shared_task
from celery.signals import task_postrun, task_prerun

from apps.notifications import ratelimit, services


def _send(task, delivery_id: int, channel: str) -> str:
    granted, wait = ratelimit.rate_limit_take(channel=channel)
    if not granted and not task.app.conf.task_always_eager:
        # Over the channel's limit: back on the queue for the next window, not counted as an attempt.
        task.apply_async((delivery_id, channel), countdown=wait)
        return "rate_limited"
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(bind=True, name="notifications.send_webhook", ignore_result=True)
def send_webhook(self, delivery_id: int, channel: str = "webhook") -> str:
    """One attempt at one webhook delivery. Failures are rescheduled by the service, never retried
    by Celery: the delivery row, not the message, holds the schedule."""
    return _send(self, delivery_id, channel)


@shared_task(bind=True, name="notifications.send_webhooks", ignore_result=True)
def send_webhooks(self, delivery_ids: list[int], traces: dict[str, dict] | None = None) -> dict[int, str]:
    """One attempt at each of a batch of one endpoint's webhook deliveries, over one pooled
    connection. The rate limit takes what the window has left; the rest waits for the next one.
    `traces`: delivery id -> the context of the handler span that fanned it out."""
    granted, wait = ratelimit.rate_limit_take(channel="webhook", count=len(delivery_ids))
    if granted < len(delivery_ids) and not self.app.conf.task_always_eager:
        self.apply_async((delivery_ids[granted:], traces), countdown=wait)
        delivery_ids = delivery_ids[:granted]
    return services.deliveries_attempt(delivery_ids=delivery_ids, traces=traces) if delivery_ids else {}


@shared_task(bind=True, name="notifications.send_message", ignore_result=True)
def send_message(self, delivery_id: int, channel: str) -> str:
    """One attempt at one email or SMS delivery."""
    return _send(self, delivery_id, channel)


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep() -> int:
    """Enqueue due deliveries that have no task on the way (beat)."""
    return services.deliveries_sweep()


# Deliveries a worker task commits (fan-out of a chunk of events) are enqueued when it ends, one
# task per webhook endpoint batch; eager tasks run inside the caller and enqueue as they commit.
@task_prerun.connect(dispatch_uid="notifications.hold_enqueues")
def _hold_enqueues(task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:
        services.enqueues_hold()


@task_postrun.connect(dispatch_uid="notifications.release_enqueues")
def _release_enqueues(task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:
        services.enqueues_release()
