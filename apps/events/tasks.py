"""Celery tasks: thin wrappers over relay.py and delivery.py."""

import random
import time

import structlog
from celery import shared_task
from celery.exceptions import Reject
from django.conf import settings
from django.core.cache import cache

from apps.common.outages import is_store_outage
from apps.events import delivery, metrics, registry, routing
from apps.events import redrive as redrive_module
from apps.events import relay as relay_module
from apps.events.outbox import RELAY_NUDGE_KEY
from apps.events.tracing import joined

logger = structlog.get_logger(__name__)


@shared_task(name="events.relay", ignore_result=True)
def relay() -> int:
    """Publish pending outbox rows. Nudged after commits and swept by beat.

    While the nudge key is set, commits do not enqueue another relay: one runs at a time and
    batches grow with the load. A commit between our last claim and the key's deletion did not
    nudge, so one more pass after the deletion picks it up.
    """
    published = relay_module.relay_pending()
    try:
        cache.delete(RELAY_NUDGE_KEY)
    except Exception:  # the cache is down: the key expires by itself, the sweep runs anyway
        logger.warning("relay_nudge_key_not_cleared")
    return published + relay_module.relay_pending()


@shared_task(name="events.dispatch", ignore_result=True, bind=True, max_retries=None)
def dispatch(
    self,
    envelope: dict,
    handler: str,
    attempt: int = 1,
    first_failed_at: str | None = None,
    replay: int = 0,
) -> str:
    """Run one handler on one event. A handler's failures are rescheduled through the outbox.
    acks_late + reject_on_worker_lost (settings): a worker that dies mid-handler leaves the message
    on the broker for another worker.

    A store outage (database, cache, broker) is different: the outbox may be down too, so the
    retry could not be written, and acking would lose the event. The message is retried on the
    broker with backoff instead, spending no handler attempt; if even that publish fails, the
    message is rejected back to its queue. After EVENTS_OUTAGE_RETRIES such retries an outage
    counts as an ordinary failure, so a handler that always meets one ends as a dead letter.
    """
    outage_retries = self.request.retries or 0
    eager = bool(self.request.is_eager)  # in-process: no broker to wait on
    try:
        return delivery.deliver(
            envelope,
            handler,
            attempt=attempt,
            first_failed_at=first_failed_at,
            replay=replay,
            outages_are_failures=eager or outage_retries >= settings.EVENTS_OUTAGE_RETRIES,
        )
    except Exception as exc:
        if eager or not is_store_outage(exc):
            raise
        countdown = outage_backoff(outage_retries)
        logger.warning(
            "event_dispatch_store_outage",
            event_id=envelope.get("id"),
            handler=handler,
            outage_retry=outage_retries + 1,
            retry_in=round(countdown, 2),
            error_class=type(exc).__name__,
        )
        try:
            raise self.retry(exc=exc, countdown=countdown) from exc
        except Reject:
            # The broker refused the retry as well: give the message back to the queue after a
            # pause instead of acking it (Celery's own Reject from retry() would drop it).
            time.sleep(min(countdown, 2.0))
            raise Reject(exc, requeue=True) from exc


@shared_task(name="events.dispatch_many", ignore_result=True, bind=True, max_retries=None)
def dispatch_many(self, deliveries: list[dict]) -> list[str]:
    """Run a chunk of deliveries from one relay batch: one broker message for many events. An item
    naming no handler (a new event) goes to each subscriber this deployment has. Each handler's
    deliveries first go together, in one inbox transaction (delivery.deliver_together); what that
    could not do goes one by one, each its own inbox transaction, as in `dispatch`. acks_late: a
    worker that dies mid-chunk leaves the message, and the inbox absorbs the deliveries that had
    already committed.

    A store outage stops the chunk: the deliveries not yet done (the failed one first) are retried
    on this deployment's queue as a smaller chunk, with `dispatch`'s backoff; the ones done are not
    sent again.
    """
    outage_retries = self.request.retries or 0
    eager = bool(self.request.is_eager)
    deliveries = _to_local_handlers(deliveries)
    together = delivery.deliver_together(deliveries)
    outcomes = []
    for index, item in enumerate(deliveries):
        if index in together:
            outcomes.append(together[index])
            continue
        try:
            with joined(item.get("trace")):
                outcomes.append(
                    delivery.deliver(
                        item["envelope"],
                        item["handler"],
                        attempt=item["attempt"],
                        first_failed_at=item["first_failed_at"],
                        replay=item["replay"],
                        outages_are_failures=eager or outage_retries >= settings.EVENTS_OUTAGE_RETRIES,
                    )
                )
        except Exception as exc:
            if eager:
                raise
            if not is_store_outage(exc):
                # Not the handler's failure (deliver schedules those): its retry or dead letter
                # could not be written. The re-drive sweep sends it again; the chunk goes on.
                logger.exception(
                    "event_dispatch_crashed", event_id=item["envelope"].get("id"), handler=item["handler"]
                )
                outcomes.append("crashed")
                continue
            rest = [d for i, d in enumerate(deliveries) if i >= index and i not in together]
            _retry_rest(self, exc, rest, outage_retries)
    return outcomes


def _to_local_handlers(items: list[dict]) -> list[dict]:
    """One delivery per (event, local subscriber); items that already name a handler stay as they are."""
    deliveries = []
    for item in items:
        if item["handler"]:
            deliveries.append(item)
            continue
        event_type = item["envelope"]["type"]
        subscriptions = registry.subscribers(event_type)
        if not subscriptions:  # a binding left from a removed handler, or an old message
            metrics.events_unrouted.labels(event_type).inc()
            logger.info(
                "event_without_subscribers", event_type=event_type, event_id=item["envelope"].get("id")
            )
        deliveries += [{**item, "handler": subscription.name} for subscription in subscriptions]
    return deliveries


def _retry_rest(task, exc: Exception, rest: list[dict], outage_retries: int) -> None:
    countdown = outage_backoff(outage_retries)
    logger.warning(
        "event_dispatch_store_outage",
        event_id=rest[0]["envelope"].get("id"),
        handler=rest[0]["handler"],
        remaining=len(rest),
        outage_retry=outage_retries + 1,
        retry_in=round(countdown, 2),
        error_class=type(exc).__name__,
    )
    try:
        # To this deployment's queue: the message came through the topic exchange, and a retry to
        # the exchange would reach every deployment subscribed to the type.
        raise task.retry(args=(rest,), exc=exc, countdown=countdown, **routing.to_own_queue()) from exc
    except Reject:
        # The broker refused the retry: the whole message goes back to its queue (the inbox makes
        # the deliveries already done no-ops when it comes round again).
        time.sleep(min(countdown, 2.0))
        raise Reject(exc, requeue=True) from exc


def outage_backoff(retries: int) -> float:
    """0.5 s, 1 s, 2 s, ... capped at EVENTS_OUTAGE_BACKOFF_MAX, ±20 % jitter."""
    base = min(settings.EVENTS_OUTAGE_BACKOFF_MAX, 0.5 * 2**retries)
    return base * random.uniform(0.8, 1.2)  # noqa: S311


@shared_task(name="events.redrive", ignore_result=True)
def redrive() -> int:
    """Send again every (event, handler) that left no trace after EVENTS_REDRIVE_AFTER."""
    return redrive_module.redrive_stalled()


@shared_task(name="events.purge", ignore_result=True)
def purge() -> tuple[int, int]:
    """Delete published outbox rows and old inbox rows past their retention."""
    return relay_module.purge_published()
