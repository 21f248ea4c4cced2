"""Write use cases: fan an event out into deliveries, attempt one, replay, manage endpoints."""

import functools
import random
import threading
import time
import uuid
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, PositiveIntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from opentelemetry import propagate, trace
from prometheus_client import Counter, Histogram

from apps.common.outages import retry_through_outage
from apps.events.public import apply_if_newer, continue_trace, restoring_context
from apps.notifications import channels, sources
from apps.notifications.models import Channel, Delivery, DeliveryStatus, OrderFacts, WebhookEndpoint
from apps.notifications.selectors import (
    OrderNotYetKnown,
    endpoints_active,
    endpoints_subscribed,
    order_facts_get,
)
from apps.notifications.signing import secret_generate

logger = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)
deliveries_total = Counter(
    "notifications_deliveries_total",
    "Delivery attempts by outcome: sent, retry_scheduled, dead, missed, suppressed",
    ["channel", "outcome"],
)
delivery_duration = Histogram("notifications_delivery_duration_seconds", "Time one send took", ["channel"])
_OUTCOMES = {
    "succeeded": "sent",
    "retrying": "retry_scheduled",
    "dead": "dead",
    "missed": "missed",
    "suppressed": "suppressed",
}
JITTER = 0.2  # ±20 %: deliveries failing together do not retry in lockstep
TEST_EVENT_TYPE = "notifications.WebhookTest.v1"

# Which events reach customers, and with which template (templates/notifications/).
EMAIL_TEMPLATES = {
    "orders.OrderCreated.v1": "order_placed",
    "orders.OrderPaid.v1": "order_paid",
    "orders.OrderShipped.v1": "order_shipped",
    "orders.OrderCancelled.v1": "order_cancelled",
    "orders.OrderRefunded.v1": "order_refunded",
}
EMAIL_TEMPLATES |= {
    "accounts.CustomerRegistered.v1": "account_verify_email",
    "accounts.CustomerEmailChangeRequested.v1": "account_verify_email",
    "accounts.CustomerEmailVerified.v1": "account_welcome",
    "accounts.CustomerPasswordResetRequested.v1": "account_password_reset",
}
# A partial refund moves no order status (a full one is OrderRefunded): the payment's event tells.
PARTIAL_REFUND = "payments.PaymentRefunded.v1"
EMAIL_TEMPLATES[PARTIAL_REFUND] = "order_partially_refunded"
SMS_TEMPLATES = {"orders.OrderShipped.v1": "order_shipped", "orders.OrderCancelled.v1": "order_cancelled"}
_RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def deliveries_fan_out(*, envelope: dict) -> list[Delivery]:
    """Record one delivery per channel and recipient the event calls for, and enqueue them after
    commit (webhooks grouped by endpoint, see enqueue_many). Unique rows: a redelivered event
    creates nothing and sends nothing again. Returns the deliveries created now."""
    wanted: list[dict] = []
    event_type, data = envelope["type"], envelope["data"]
    if event_type in EMAIL_TEMPLATES and (email := _email_recipient(event_type, data)):
        wanted.append({"channel": Channel.EMAIL, "recipient": email, "template": EMAIL_TEMPLATES[event_type]})
    if event_type in SMS_TEMPLATES and (phone := _order_phone(data["order_id"])):
        wanted.append({"channel": Channel.SMS, "recipient": phone, "template": SMS_TEMPLATES[event_type]})
    for endpoint in endpoints_subscribed(event_type=event_type, active=_endpoints_this_task()):
        missed = endpoint.disabled_at is not None
        wanted.append(
            {
                "channel": Channel.WEBHOOK,
                "recipient": f"endpoint:{endpoint.pk}",
                "endpoint": endpoint,
                "status": DeliveryStatus.MISSED if missed else DeliveryStatus.PENDING,
            }
        )
    rows = [Delivery(event_id=envelope["id"], event_type=event_type, envelope=envelope, **f) for f in wanted]
    if not rows:
        return []
    try:
        # All in one INSERT: the handler runs once per event (the inbox), so none exists yet...
        with transaction.atomic():
            created = Delivery.objects.bulk_create(rows)
    except IntegrityError:
        # ...unless the event comes round again past the inbox (its row purged): keep what exists.
        created = [row for row in rows if _created(row)]
    _enqueue_after_commit([d for d in created if d.status == DeliveryStatus.PENDING])
    return created


def _created(row: Delivery) -> bool:
    _, new = Delivery.objects.get_or_create(
        event_id=row.event_id,
        channel=row.channel,
        recipient=row.recipient,
        defaults={
            f.attname: getattr(row, f.attname) for f in Delivery._meta.concrete_fields if not f.primary_key
        },
    )
    return new


def _email_recipient(event_type: str, data: dict) -> str | None:
    if event_type == PARTIAL_REFUND:
        # A payment event names only the order: its customer is in the projection.
        if data["fully_refunded"]:
            return None
        facts = _order_facts(data["order_id"])
        if facts.customer_id is None:  # a guest's order (or an erased customer's: orders tells)
            return channels.guest_recipient(data["order_id"])
        return _customer_email(facts.customer_id)
    customer_id = data.get("customer_id")
    # Account emails with a link: where it goes is asked of accounts now, the link itself when it
    # is sent (channels), so no usable token is ever stored here.
    purpose = channels.ACCOUNT_LINK_PURPOSES.get(event_type)
    if purpose is None:
        if not customer_id and "order_id" in data:
            # A guest's order (customer 0 in events): the order's own emails need no consent and
            # go to the checkout's address, which orders gives when the email is sent.
            return channels.guest_recipient(data["order_id"])
        return _customer_email(customer_id)
    link = sources.accounts().account_link(customer_id=customer_id, purpose=purpose)
    if link is None:  # deleted, deactivated or already verified since: nothing to send
        logger.info("notification_account_link_obsolete", customer_id=customer_id, event_type=event_type)
        return None
    return link.recipient


def _customer_email(customer_id: int | None) -> str | None:
    if not customer_id:  # a customer since erased
        return None
    email = sources.accounts().customer_email(customer_id=customer_id)
    if email is None:  # the account is gone: nobody to write to, nothing to retry
        logger.warning("notification_customer_missing", customer_id=customer_id)
    return email


def _order_phone(order_id: str) -> str:
    # No such order (or no phone given): an SMS is a courtesy, nothing to retry.
    contact = sources.orders().order_contact(order_id=order_id)
    return contact.phone if contact else ""


def _order_facts(order_id: str) -> OrderFacts:
    """The projected order; one placed before the projection existed is asked of orders once and
    kept at version 0 (its next event overwrites it). Unknown to both: OrderNotYetKnown, so the
    backbone retries until the order's event arrives, rather than sending without the data."""
    try:
        return order_facts_get(order_id=order_id)
    except OrderNotYetKnown:
        contact = sources.orders().order_contact(order_id=order_id)
        if contact is None:
            raise
    apply_if_newer(
        OrderFacts,
        lookup={"order_id": order_id},
        version=0,
        values={"number": contact.number, "customer_id": contact.customer_id},
    )
    return order_facts_get(order_id=order_id)


def order_facts_record(*, envelope: dict) -> bool:
    """Project an orders event into OrderFacts (order-tolerant: an older event changes nothing)."""
    data = envelope["data"]
    return apply_if_newer(
        OrderFacts,
        lookup={"order_id": data["order_id"]},
        version=envelope["aggregateversion"],
        values={"number": data["number"], "customer_id": data["customer_id"] or None},
    )


def order_facts_erase_customer(*, customer_id: int) -> int:
    """Detach a deleted customer from the orders notifications knows of. Returns how many."""
    return OrderFacts.objects.filter(customer_id=customer_id).update(customer_id=None)


def delivery_attempt(*, delivery_id: int) -> str:
    """Make one attempt at a due delivery and record the outcome. Returns succeeded, retrying,
    dead, missed or skipped (not due, already done, or another worker holds it)."""
    return deliveries_attempt(delivery_ids=[delivery_id]).get(delivery_id, "skipped")


def deliveries_attempt(*, delivery_ids: list[int], traces: dict[str, dict] | None = None) -> dict[int, str]:
    """One attempt at each due delivery of the list (one endpoint's batch, say), one after the
    other over the worker's pooled connections; returns {id: outcome} for those it claimed.

    The claim is a conditional UPDATE with a lease, not a row lock held across the calls out: a
    send can take the whole timeout and must not hold a transaction open. A worker that dies
    mid-batch leaves the leases to expire, and the sweep sends again (at least once; webhook-id
    lets receivers drop the duplicate). `traces`: delivery id -> the trace context it was enqueued
    in (its fan-out handler's span), which its send continues. Sending stops after NOTIFICATIONS_BATCH_BUDGET seconds:
    the rest are released unattempted and enqueued again, so a slow receiver cannot push a
    batch past the task's time limit. Only the failed deliveries are retried, each on its own
    schedule."""
    claimed = _claim(delivery_ids)
    outcomes: dict[int, str] = {}
    live = []
    for delivery in claimed:
        endpoint = delivery.endpoint
        if endpoint is not None and (endpoint.disabled_at or not endpoint.is_active):
            outcomes[delivery.pk] = DeliveryStatus.MISSED
        else:
            live.append(delivery)
    if len(live) < len(claimed):
        Delivery.objects.filter(pk__in=list(outcomes)).update(
            status=DeliveryStatus.MISSED, attempts=F("attempts") - 1, lease_until=None
        )
    deadline = time.monotonic() + settings.NOTIFICATIONS_BATCH_BUDGET
    attempted: list[tuple[Delivery, channels.Attempt]] = []
    for index, delivery in enumerate(live):
        if attempted and time.monotonic() > deadline:
            _release(live[index:])
            break
        attempted.append((delivery, _attempt_traced(delivery, (traces or {}).get(str(delivery.pk)))))
    by_endpoint: dict[WebhookEndpoint, list[channels.Attempt]] = {}
    for delivery, attempt in attempted:
        if delivery.endpoint is not None:
            by_endpoint.setdefault(delivery.endpoint, []).append(attempt)
    disabled = {
        endpoint.pk for endpoint, attempts in by_endpoint.items() if _endpoint_record(endpoint, attempts)
    }
    results = []
    for delivery, attempt in attempted:
        status, delay = _next_status(delivery, attempt)
        if delivery.endpoint_id in disabled and status != DeliveryStatus.DEAD:
            status = DeliveryStatus.MISSED
        results.append((delivery, attempt, status, delay))
        outcomes[delivery.pk] = status
    _record(results)
    for delivery in claimed:
        status = outcomes.get(delivery.pk)
        if status:
            deliveries_total.labels(delivery.channel, _OUTCOMES.get(status, status)).inc()
    return outcomes


def _claim(delivery_ids: list[int]) -> list[Delivery]:
    """Lease the due ones of the deliveries (one UPDATE for the batch) and load them, with their
    endpoints; each knows its `previous_status` (for a release)."""
    now = timezone.now()
    lease = timedelta(
        seconds=settings.NOTIFICATIONS_BATCH_BUDGET + settings.NOTIFICATIONS_WEBHOOK_TIMEOUT + 30
    )
    using = router.db_for_write(Delivery)
    if _claims_in_one_statement(using):
        return _claim_returning(delivery_ids, now=now, lease_until=now + lease, using=using)
    with transaction.atomic(using=using):
        due = list(
            Delivery.objects.using(using)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk__in=delivery_ids)
            .filter(
                Q(status__in=_RETRYABLE, next_attempt_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("pk")
        )
        if due:
            Delivery.objects.using(using).filter(pk__in=[d.pk for d in due]).update(
                status=DeliveryStatus.SENDING, lease_until=now + lease, attempts=F("attempts") + 1
            )
    for delivery in due:
        delivery.previous_status = delivery.status
        delivery.status, delivery.attempts = DeliveryStatus.SENDING, delivery.attempts + 1
    return due


def _claims_in_one_statement(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def _claim_returning(delivery_ids: list[int], *, now, lease_until, using: str) -> list[Delivery]:
    """The same claim in one statement on PostgreSQL (issue 20: it was BEGIN, SELECT ... FOR UPDATE
    SKIP LOCKED, UPDATE, COMMIT): the subquery locks the due rows, skipping rows another worker
    holds, and the UPDATE returns them as they are now, with the status they had before."""
    quote = connections[using].ops.quote_name
    table = quote(Delivery._meta.db_table)
    columns = ", ".join(f"d.{quote(field.column)}" for field in Delivery._meta.concrete_fields)
    # Identifiers are the model's, quoted; every value is a parameter.
    sql = (
        f"UPDATE {table} AS d SET status = %s, lease_until = %s, attempts = d.attempts + 1 "  # noqa: S608
        f"FROM (SELECT id, status FROM {table} WHERE id = ANY(%s) AND ((status = ANY(%s) AND next_attempt_at <= %s)"
        f" OR (status = %s AND lease_until < %s)) FOR UPDATE SKIP LOCKED) AS due "
        f"WHERE d.id = due.id RETURNING due.status AS previous_status, {columns}"
    )
    params = [
        DeliveryStatus.SENDING,
        lease_until,
        list(delivery_ids),
        list(_RETRYABLE),
        now,
        DeliveryStatus.SENDING,
        now,
    ]
    due = sorted(Delivery.objects.db_manager(using).raw(sql, params), key=lambda d: d.pk)
    endpoints = WebhookEndpoint.objects.using(using).in_bulk({d.endpoint_id for d in due if d.endpoint_id})
    # An endpoint deleted since took its deliveries with it (CASCADE): nothing left to send.
    due = [d for d in due if d.endpoint_id is None or d.endpoint_id in endpoints]
    for delivery in due:
        if delivery.endpoint_id:
            delivery.endpoint = endpoints[delivery.endpoint_id]
    return due


def _release(deliveries: list[Delivery]) -> None:
    """Hand back claimed deliveries the batch had no time left for, unattempted, and enqueue them."""
    for delivery in deliveries:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=delivery.previous_status, attempts=F("attempts") - 1, lease_until=None
        )
    logger.info("notification_batch_budget_spent", released=len(deliveries))
    enqueue_many(deliveries)


def _attempt_traced(delivery: Delivery, enqueued_in: dict | None) -> channels.Attempt:
    with (
        continue_trace(enqueued_in or {}),  # under the handler that fanned it out, when known
        continue_trace(delivery.envelope),  # else in the trace of the request behind the event
        tracer.start_as_current_span(f"notifications.deliver {delivery.channel}") as span,
    ):
        # Ids only: the recipient is personal data.
        span.set_attributes(
            {
                "delivery.id": delivery.pk,
                "delivery.channel": delivery.channel,
                "delivery.attempt": delivery.attempts,
                "event.id": str(delivery.event_id),
                "event.type": delivery.event_type,
            }
        )
        attempt = _send(delivery)
        span.set_attribute("delivery.outcome", _next_status(delivery, attempt)[0])
        return attempt


def _send(delivery: Delivery) -> channels.Attempt:
    started = time.perf_counter()
    try:
        return channels.send(delivery)
    except Exception as exc:  # a bug or a misconfigured provider: on the schedule, then dead, never a loop
        logger.exception("notification_send_crashed", delivery_id=delivery.pk)
        return channels.Attempt(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
    finally:
        delivery_duration.labels(delivery.channel).observe(time.perf_counter() - started)


def _next_status(delivery: Delivery, attempt: channels.Attempt) -> tuple[str, float]:
    if attempt.ok:
        return DeliveryStatus.SUCCEEDED, 0.0
    schedule = settings.NOTIFICATIONS_RETRY_SCHEDULES[delivery.channel]
    if attempt.suppressed:
        return DeliveryStatus.SUPPRESSED, 0.0
    if not attempt.retryable or delivery.attempts > len(schedule):
        return DeliveryStatus.DEAD, 0.0
    delay = schedule[delivery.attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    return DeliveryStatus.RETRYING, max(delay, attempt.retry_after or 0.0)


def _record(results: list[tuple[Delivery, channels.Attempt, str, float]]) -> None:
    """Every outcome of the batch, one UPDATE per distinct outcome (the successes of a batch are
    usually one, each row's latency picked by id). The messages have left: if the database blinks
    now, keep trying to write that down. Giving up would leave the leases to expire and the
    sweep to send the same messages a second time."""
    now = timezone.now()
    groups: dict[tuple, dict[int, int | None]] = {}
    for delivery, attempt, status, delay in results:
        outcome = (status, delay, attempt.status, attempt.excerpt, attempt.error, attempt.ok)
        groups.setdefault(outcome, {})[delivery.pk] = attempt.latency_ms
    for (status, delay, response_status, excerpt, error, ok), latencies in groups.items():
        latency = _by_pk({pk: ms for pk, ms in latencies.items() if ms is not None})
        values = {
            "status": status,
            "lease_until": None,
            "next_attempt_at": now + timedelta(seconds=delay),
            "response_status": response_status,
            "response_excerpt": excerpt,
            "latency_ms": latency,
            "last_error": error,
            "delivered_at": now if ok else None,
            "updated_at": now,
        }
        rows = Delivery.objects.filter(pk__in=list(latencies))
        retry_through_outage(functools.partial(rows.update, **values))
    for delivery, attempt, status, delay in results:
        log = logger.bind(
            delivery_id=delivery.pk, channel=delivery.channel, attempt=delivery.attempts, status=status
        )
        if attempt.ok:
            log.info("notification_delivered", latency_ms=attempt.latency_ms)
            continue
        if status == DeliveryStatus.SUPPRESSED:
            log.info("notification_suppressed", reason=attempt.error)
            continue
        log.warning("notification_failed", error=attempt.error, retry_in=round(delay, 3))
        if status == DeliveryStatus.RETRYING and delay <= settings.NOTIFICATIONS_RETRY_NUDGE_MAX_SECONDS:
            # Later retries are found by the sweep: a broker-held ETA would outlive consumer_timeout.
            enqueue(delivery, countdown=delay)


def _by_pk(values: dict[int, int]) -> RawSQL | None:
    """`CASE id WHEN 1 THEN 10 WHEN 2 THEN 12 END` (standard SQL, every backend): each row's own
    value in one UPDATE. Written out because Case(When(pk=...)) cost ~0.3 ms of Python per row."""
    if not values:
        return None
    column = connections[router.db_for_write(Delivery)].ops.quote_name(Delivery._meta.pk.column)
    sql = f"CASE {column}" + " WHEN %s THEN %s" * len(values) + " END"
    params = [value for pair in values.items() for value in pair]
    return RawSQL(sql, params, output_field=PositiveIntegerField(null=True))  # noqa: S611 - no user text


def _endpoint_record(endpoint: WebhookEndpoint, attempts: list[channels.Attempt]) -> bool:
    """Track how long every delivery to the endpoint has failed (a batch's attempts, in order: any
    success clears the clock, a failure after the last success starts it); disable the endpoint
    past the setting. Returns True when these attempts disabled it."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    # `endpoint` was read with the claim: a clock that was not running then needs no clearing.
    if endpoint.failing_since is not None and any(attempt.ok for attempt in attempts):
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
    last = attempts[-1]
    if last.ok:
        return False
    now = timezone.now()
    endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    since = endpoints.values_list("failing_since", flat=True).first()
    if since is None or since > now - settings.NOTIFICATIONS_WEBHOOK_DISABLE_AFTER:
        return False
    reason = (
        f"Disabled automatically at {now:%Y-%m-%d %H:%M} UTC: every delivery failed since "
        f"{since:%Y-%m-%d %H:%M} UTC (last error: {last.error or 'unknown'})."
    )
    with transaction.atomic():
        if not endpoints.filter(disabled_at__isnull=True).update(disabled_at=now, disabled_reason=reason):
            return False  # another worker disabled it first
        Delivery.objects.filter(endpoint=endpoint, status__in=_RETRYABLE).update(status=DeliveryStatus.MISSED)
    logger.warning("webhook_endpoint_disabled", endpoint_id=endpoint.pk, reason=reason)
    return True


ERASED = channels.ERASED


def deliveries_erase_customer(*, customer_id: int) -> int:
    """Replace a deleted customer's email address and phone number in their deliveries (kept as a
    record that something was sent, not to whom). Returns how many."""
    erased = 0
    with transaction.atomic():
        mine = Delivery.objects.select_for_update().filter(
            envelope__data__customer_id=customer_id, channel__in=(Channel.EMAIL, Channel.SMS)
        )
        for delivery in mine.exclude(recipient__startswith=ERASED).order_by("pk"):
            # The (event, channel, recipient) key must stay unique: the row's id keeps it so.
            Delivery.objects.filter(pk=delivery.pk).update(recipient=f"{ERASED}:{delivery.pk}")
            erased += 1
    return erased


def deliveries_replay(*, delivery_ids: list[int]) -> int:
    """Send dead or missed deliveries again, as a new round of attempts. Succeeded ones are left
    alone, so a replay never sends twice. Returns how many were replayed."""
    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=delivery_ids, status__in=(DeliveryStatus.DEAD, DeliveryStatus.MISSED))
            .order_by("pk")
        )
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            replay_count=F("replay_count") + 1,
            next_attempt_at=timezone.now(),
            last_error="",
        )
        _enqueue_after_commit(deliveries)
    return len(deliveries)


def endpoint_enable(*, endpoint_id: int, replay_missed: bool) -> int:
    """Re-enable an endpoint the system disabled; optionally replay what it missed meanwhile.
    Returns how many deliveries were replayed."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            disabled_at=None, disabled_reason="", failing_since=None, is_active=True
        )
        if not replay_missed:
            return 0
        missed = Delivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.MISSED)
        return deliveries_replay(delivery_ids=list(missed.values_list("pk", flat=True)))


def endpoint_secret_initial() -> list[dict]:
    """The secrets of a new endpoint: one, never expiring."""
    return [{"secret": secret_generate(), "expires_at": None}]


def endpoint_rotate_secret(*, endpoint_id: int) -> str:
    """Add a new signing secret; the current ones keep signing for NOTIFICATIONS_WEBHOOK_SECRET_OVERLAP
    so receivers can switch without losing a message. Returns the new secret."""
    new = secret_generate()
    expires = (timezone.now() + settings.NOTIFICATIONS_WEBHOOK_SECRET_OVERLAP).isoformat()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        kept = [
            {**s, "expires_at": s.get("expires_at") or expires}
            for s in endpoint.secrets
            if s["secret"] in channels.endpoint_secrets_in_use(endpoint.secrets)
        ]
        endpoint.secrets = [{"secret": new, "expires_at": None}, *kept]
        endpoint.save(update_fields=["secrets", "updated_at"])
    return new


def endpoint_send_test_event(*, endpoint_id: int) -> Delivery:
    """Send the endpoint a signed test event now (bypassing its event-type filter)."""
    event_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/commerce/notifications",
        "type": TEST_EVENT_TYPE,
        "time": timezone.now().isoformat().replace("+00:00", "Z"),
        "subject": str(endpoint_id),
        "datacontenttype": "application/json",
        "data": {"endpoint_id": endpoint_id, "message": "Test event sent from the admin."},
    }
    with transaction.atomic():
        delivery = Delivery.objects.create(
            event_id=event_id,
            event_type=TEST_EVENT_TYPE,
            channel=Channel.WEBHOOK,
            recipient=f"endpoint:{endpoint_id}",
            endpoint_id=endpoint_id,
            envelope=envelope,
        )
        _enqueue_after_commit([delivery])
    return delivery


def deliveries_sweep() -> int:
    """Enqueue deliveries that are due but have no task on the way: long retries, lost enqueues
    (broker down at commit), and leases of workers that died. Duplicates are harmless (claim)."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE)
    due = Delivery.objects.filter(
        Q(status__in=_RETRYABLE, next_attempt_at__lte=grace)
        | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    ).order_by("next_attempt_at")[: settings.NOTIFICATIONS_SWEEP_BATCH]
    deliveries = list(due.only("pk", "channel", "endpoint_id"))
    enqueue_many(deliveries)
    return len(deliveries)


class _Batching(threading.local):
    depth = 0
    held: list[Delivery] | None = None
    endpoints: list[WebhookEndpoint] | None = None


_batching = _Batching()


def enqueues_hold() -> None:
    """From now until enqueues_release(), hold the enqueues of deliveries committed in this thread
    (a worker task fanning out a chunk of events: tasks.py calls both around every task), and
    then send them together, one task per webhook endpoint batch. A process that dies meanwhile
    leaves them to the sweep, like a lost enqueue."""
    _batching.depth += 1
    if _batching.depth == 1:
        _batching.held, _batching.endpoints = [], None


def enqueues_release() -> None:
    _batching.depth = max(0, _batching.depth - 1)
    if _batching.depth == 0 and _batching.held is not None:
        held, _batching.held, _batching.endpoints = _batching.held, None, None
        enqueue_many(held)


def _endpoints_this_task() -> list[WebhookEndpoint] | None:
    """A worker task reads the active endpoints once for all the events it fans out (a change
    made meanwhile counts from its next task, as if those events had been handled a moment
    earlier); None elsewhere: read them now. Not while one is disabled: re-enabling replays what
    it missed, and a delivery recorded missed after that from an older reading would stay so."""
    if _batching.held is None:
        return None
    endpoints = endpoints_active() if _batching.endpoints is None else _batching.endpoints
    _batching.endpoints = None if any(endpoint.disabled_at for endpoint in endpoints) else endpoints
    return endpoints


def _enqueue_after_commit(deliveries: list[Delivery]) -> None:
    # Never enqueue inside the transaction: a worker could look before the row is committed.
    if not deliveries:
        return
    # The commit may come after the handler's span ended (held by the task, or a group of events
    # in one inbox transaction): remember the span now, so each send still descends from it.
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    for delivery in deliveries:
        delivery.trace_carrier = carrier
    transaction.on_commit(lambda: _enqueue_or_hold(deliveries), robust=True)


def _enqueue_or_hold(deliveries: list[Delivery]) -> None:
    if _batching.held is None:
        enqueue_many(deliveries)
    else:
        _batching.held.extend(deliveries)


def enqueue_many(deliveries: list[Delivery]) -> None:
    """Webhooks as one task per endpoint and NOTIFICATIONS_WEBHOOK_BATCH deliveries; email and SMS
    one task each (a slow mail server holds one message). Failures to publish are logged only."""
    from apps.notifications import tasks  # tasks import this module

    batches: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        if delivery.channel == Channel.WEBHOOK:
            batches.setdefault(delivery.endpoint_id, []).append(delivery)
        else:
            enqueue(delivery)
    size = settings.NOTIFICATIONS_WEBHOOK_BATCH
    for batch in batches.values():
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            ids = [d.pk for d in chunk]
            traces = {str(d.pk): d.trace_carrier for d in chunk if getattr(d, "trace_carrier", None)}
            _publish(tasks.send_webhooks, (ids, traces), ids=ids)


def enqueue(delivery: Delivery, *, countdown: float | None = None) -> None:
    """Send the delivery's task to its channel's queue. A failure to publish is logged only: the
    sweep finds the delivery due and enqueues it again."""
    from apps.notifications import tasks  # tasks import this module

    task = tasks.send_webhook if delivery.channel == Channel.WEBHOOK else tasks.send_message
    if countdown is not None and task.app.conf.task_always_eager:
        return  # in-process tasks cannot wait: the next sweep sends it
    _publish(task, (delivery.pk, delivery.channel), ids=[delivery.pk], countdown=countdown)


def _publish(task, args: tuple, *, ids: list[int], countdown: float | None = None) -> None:
    try:
        with restoring_context():  # a failed publish must not leave its span current
            task.apply_async(args, countdown=countdown, retry=False)
    except Exception as exc:
        logger.warning("notification_enqueue_failed", delivery_ids=ids, error=str(exc))
