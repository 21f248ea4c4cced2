"""Run one handler on one event: once (inbox), retried on failure, dead-lettered when exhausted."""

import random
import traceback
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone
from opentelemetry import trace

from apps.common.outages import is_store_outage
from apps.events import metrics, registry
from apps.events.models import DeadLetter, InboxEntry, OutboxEvent
from apps.events.outbox import nudge_relay
from apps.events.tracing import continue_trace, joined
from apps.events.validation import SchemaViolation, validate_data

logger = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)
JITTER = 0.2  # ±20 %, so handlers failing together do not retry in lockstep


def deliver(
    envelope: dict,
    handler_name: str,
    *,
    attempt: int = 1,
    first_failed_at: str | None = None,
    replay: int = 0,
    outages_are_failures: bool = True,
) -> str:
    """Process the event with the handler. Returns the outcome: processed, duplicate, retry_scheduled
    or dead_lettered. A failure schedules a retry in the outbox, or dead-letters when none is left.
    A store outage (apps.common.outages) is raised instead unless `outages_are_failures`: the
    caller retries it without spending an attempt (the outbox may be down as well).
    Every log line on the way, the handler's own included, names the event, handler and attempt."""
    with (
        structlog.contextvars.bound_contextvars(
            event_id=envelope["id"], event_type=envelope["type"], handler=handler_name, attempt=attempt
        ),
        continue_trace(envelope),  # the handler's span descends from the request that caused the event
        tracer.start_as_current_span(f"events.handle {envelope['type']}") as span,
    ):
        span.set_attributes(
            {
                "event.id": envelope["id"],
                "event.type": envelope["type"],
                "event.handler": handler_name,
                "event.attempt": attempt,
            }
        )
        outcome = _deliver(envelope, handler_name, attempt, first_failed_at, replay, outages_are_failures)
        span.set_attribute("event.outcome", outcome)
        return _outcome(handler_name, outcome)


def _deliver(
    envelope: dict,
    handler_name: str,
    attempt: int,
    first_failed_at: str | None,
    replay: int,
    outages_are_failures: bool,
) -> str:
    subscription = registry.subscription(handler_name)
    if subscription is None:
        return _dead_letter(
            envelope, handler_name, LookupError(f"no handler named {handler_name}"), attempt, first_failed_at
        )
    using = registry.database_of(subscription)
    try:
        validate_data(envelope)
        with metrics.handler_duration.labels(handler_name).time():
            processed = _process_once(envelope, subscription, using)
    except SchemaViolation as exc:
        logger.warning("event_schema_violation", error=str(exc))
        return _dead_letter(envelope, handler_name, exc, attempt, first_failed_at, using=using)
    except Exception as exc:
        if not outages_are_failures and is_store_outage(exc):
            metrics.handler_outcomes.labels(handler_name, "store_outage").inc()
            raise
        metrics.handler_failures.labels(handler_name).inc()
        trace.get_current_span().record_exception(exc)
        first = first_failed_at or timezone.now().isoformat()
        if attempt > len(subscription.retry_schedule):
            logger.error("event_dead_lettered", error=str(exc))
            return _dead_letter(envelope, handler_name, exc, attempt, first, using=using)
        delay = subscription.retry_schedule[attempt - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
        logger.warning("event_handler_failed", error=str(exc), retry_in=round(delay, 3))
        _schedule_retry(
            envelope,
            handler_name,
            attempt=attempt + 1,
            replay=replay,
            first_failed_at=first,
            delay=delay,
            using=using,
        )
        return "retry_scheduled"
    logger.info("event_handled" if processed else "event_already_handled")
    return "processed" if processed else "duplicate"


def _outcome(handler: str, outcome: str) -> str:
    metrics.handler_outcomes.labels(handler, outcome).inc()
    return outcome


def _schedule_retry(
    envelope: dict, handler: str, *, attempt: int, replay: int, first_failed_at: str, delay: float, using: str
) -> None:
    # get_or_create: a redelivered message that fails again must not schedule the attempt twice.
    # In the handler's database: the relay of the deployment (or database) that runs it sends it.
    OutboxEvent.objects.using(using).get_or_create(
        event_id=envelope["id"],
        handler=handler,
        attempt=attempt,
        replay=replay,
        defaults={
            "type": envelope["type"],
            "subject": envelope["subject"],
            "envelope": envelope,
            "first_failed_at": datetime.fromisoformat(first_failed_at),
            "available_at": timezone.now() + timedelta(seconds=delay),
        },
    )
    # Short waits get a timed nudge; long ones are left to the sweep (a broker-held ETA message
    # would outlive RabbitMQ's consumer_timeout).
    if delay <= settings.EVENTS_RETRY_NUDGE_MAX_SECONDS:
        nudge_relay(countdown=delay)


def _process_once(envelope: dict, subscription: registry.Subscription, using: str) -> bool:
    """Inbox row and handler effects commit together, or neither does.

    The inbox INSERT comes first: a concurrent duplicate blocks on the unique key until this
    transaction ends, then fails; a duplicate that arrives later fails at once. Either way the
    handler does not run twice, and no read or savepoint is spent on the common case.
    """
    try:
        with transaction.atomic(using=using):
            InboxEntry.objects.using(using).create(event_id=envelope["id"], handler=subscription.name)
            subscription.func(envelope)
    except IntegrityError:
        if (
            InboxEntry.objects.using(using)
            .filter(event_id=envelope["id"], handler=subscription.name)
            .exists()
        ):
            return False
        raise  # the handler's own integrity error: a failure like any other
    return True


def deliver_together(items: list[dict]) -> dict[int, str]:
    """The fast path of a dispatch chunk: each handler's deliveries in one transaction, their inbox
    rows in one INSERT, the handler run on each in turn; returns {index in items: outcome} for the
    deliveries it committed. Inbox rows and effects still commit together or not at all: a group
    in which anything fails (a handler, a duplicate inbox row, an outage) rolls back whole and is
    left to `deliver`, one by one, which retries, dead-letters and counts as it always does."""
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(item["handler"], []).append(index)
    done: dict[int, str] = {}
    for handler_name, indexes in groups.items():
        subscription = registry.subscription(handler_name)
        group = [i for i in indexes if _valid(items[i]["envelope"])]  # the rest dead-letter alone
        if subscription is None or len(group) < 2:
            continue
        try:
            _process_together(subscription, [items[i] for i in group])
        except Exception as exc:
            logger.info(
                "event_group_left_to_one_by_one", handler=handler_name, error_class=type(exc).__name__
            )
            continue
        for i in group:
            logger.info("event_handled", event_id=items[i]["envelope"]["id"], handler=handler_name)
            done[i] = _outcome(handler_name, "processed")
    return done


def _valid(envelope: dict) -> bool:
    try:
        validate_data(envelope)
    except SchemaViolation:
        return False
    return True


def _process_together(subscription: registry.Subscription, items: list[dict]) -> None:
    """One transaction, as _process_once for each item; each handler run in its own span (ended
    after the commit, with the outcome)."""
    spans = []
    using = registry.database_of(subscription)  # one handler, one database
    try:
        with transaction.atomic(using=using):
            InboxEntry.objects.using(using).bulk_create(
                InboxEntry(event_id=item["envelope"]["id"], handler=subscription.name) for item in items
            )
            for item in items:
                spans.append(_run_in_span(subscription, item))
    except BaseException:
        for span in spans:
            span.set_attribute("event.outcome", "rolled_back")
            span.end()
        raise
    for span in spans:
        span.set_attribute("event.outcome", "processed")
        span.end()


def _run_in_span(subscription: registry.Subscription, item: dict) -> trace.Span:
    envelope = item["envelope"]
    with (
        joined(item.get("trace")),
        structlog.contextvars.bound_contextvars(
            event_id=envelope["id"],
            event_type=envelope["type"],
            handler=subscription.name,
            attempt=item["attempt"],
        ),
        continue_trace(envelope),
    ):
        span = tracer.start_span(f"events.handle {envelope['type']}")
        span.set_attributes(
            {
                "event.id": envelope["id"],
                "event.type": envelope["type"],
                "event.handler": subscription.name,
                "event.attempt": item["attempt"],
            }
        )
        with (
            trace.use_span(span, end_on_exit=False),
            metrics.handler_duration.labels(subscription.name).time(),
        ):
            subscription.func(envelope)
    return span


def _dead_letter(
    envelope: dict,
    handler: str,
    exc: Exception,
    attempts: int,
    first_failed_at: str | None,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> str:
    now = timezone.now()
    fields = {
        "event_type": envelope["type"],
        "envelope": envelope,
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
        "attempts": attempts,
        "last_failed_at": now,
    }
    first = datetime.fromisoformat(first_failed_at) if first_failed_at else now
    DeadLetter.objects.using(using).update_or_create(
        event_id=envelope["id"],
        handler=handler,
        defaults={**fields, "replayed_at": None},
        create_defaults={**fields, "first_failed_at": first},
    )
    return "dead_lettered"
