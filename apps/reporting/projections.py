"""Event-applied projections: order-tolerant and idempotent on their own.

Handlers run in the backbone's transaction on `default` (the inbox); reporting writes go to the
`reporting` database and cannot join it. So every write here is safe to repeat and to receive out
of order: fields follow the aggregate's version (`apply_if_newer`), milestone times are written
once (`... WHERE paid_at IS NULL`), and daily sales are rebuilt from the facts, never incremented.
If the reporting database fails, the exception fails the handler: the backbone retries it.
"""

from datetime import UTC, date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from apps.events.public import apply_if_newer
from apps.reporting.models import DailySales, OrderFact, PaymentFact, SalesDay
from apps.reporting.upserts import upsert_if_newer, upserts_supported

DB = "reporting"
# An order's payment_status when its payment is authorized but the capture was refused.
CAPTURE_FAILED = "capture_failed"
# Payment states in which the authorized money was let go without being (fully) captured.
RELEASED = frozenset({"voided", "failed", CAPTURE_FAILED})

# The parts of an order's total that OrderCreated carries, with what an event without them means.
CHARGES = {
    "shipping_amount": 0,
    "shipping_tax_amount": 0,
    "discount_amount": 0,
    "tax_amount": 0,
    "prices_include_tax": True,
}

# The order event that stamps each milestone time on the fact.
ORDER_MILESTONES = {
    "orders.OrderCreated.v1": "placed_at",
    "orders.OrderPaid.v1": "paid_at",
    "orders.OrderShipped.v1": "shipped_at",
    "orders.OrderDelivered.v1": "delivered_at",
    "orders.OrderCancelled.v1": "cancelled_at",
    "orders.OrderRefunded.v1": "refunded_at",
}
# refunded_at is the latest refund: it follows the version rule instead of being written once.
PAYMENT_MILESTONES = {
    "payments.PaymentAuthorized.v1": "authorized_at",
    "payments.PaymentCaptured.v1": "captured_at",
    "payments.PaymentVoided.v1": "voided_at",
    "payments.PaymentFailed.v1": "failed_at",
    "payments.PaymentCaptureFailed.v1": "failed_at",
    "payments.PaymentRefunded.v1": "refunded_at",
}


def order_event_apply(*, envelope: dict) -> None:
    """Project an orders.* event onto its OrderFact, then rebuild the order's day of sales."""
    data, at = envelope["data"], event_time(envelope)
    milestone = ORDER_MILESTONES[envelope["type"]]
    values = {
        "number": data["number"],
        "customer_id": data["customer_id"],
        "status": data["status"],
        "currency": data["currency"],
        "total_amount": data["total_amount"],
        "item_count": data["item_count"],
        "payment_id": data["payment_id"],
        milestone: at,
    }
    charges = {}
    if milestone == "placed_at":
        values["placed_on"] = utc_day(at)
        # Optional in the event (added compatibly): an older OrderCreated carries none of them.
        charges = {name: data.get(name, default) for name, default in CHARGES.items()}
        values |= charges
    lookup = {"order_id": envelope["subject"]}
    if not apply_if_newer(OrderFact, lookup=lookup, version=envelope["aggregateversion"], values=values):
        # An older event arriving late still knows when its milestone happened, and the placement's
        # charges (they never change, and no later event carries them).
        stamp = {key: value for key, value in values.items() if key in (milestone, "placed_on")}
        OrderFact.objects.filter(**lookup, **{f"{milestone}__isnull": True}).update(**stamp, **charges)
    daily_sales_refresh_for(order_id=envelope["subject"])


def payment_event_apply(*, envelope: dict) -> None:
    """Project a payments.* event onto its PaymentFact and onto its order's payment columns."""
    data, at, version = envelope["data"], event_time(envelope), envelope["aggregateversion"]
    milestone = PAYMENT_MILESTONES[envelope["type"]]
    values = {
        "order_id": data["order_id"],
        "provider": data["provider"],
        "status": data["status"],
        "currency": data["currency"],
        "amount_authorized": data["amount_authorized"],
        "amount_captured": data["amount_captured"],
        "amount_refunded": data["amount_refunded"],
        "failure_code": data.get("failure_code", ""),
        milestone: at,
    }
    lookup = {"payment_id": envelope["subject"]}
    order_values = {
        "payment_id": envelope["subject"],
        "payment_status": CAPTURE_FAILED
        if envelope["type"] == "payments.PaymentCaptureFailed.v1"
        else data["status"],
        "amount_captured": data["amount_captured"],
        "amount_refunded": data["amount_refunded"],
    }
    # A failed authorization never had an order: no stub row for one.
    has_order = envelope["type"] != "payments.PaymentFailed.v1"
    if upserts_supported(DB):
        # Two statements per event (PostgreSQL); the same rules as the portable path below.
        once = None if milestone == "refunded_at" else milestone
        upsert_if_newer(
            PaymentFact, using=DB, lookup=lookup, version_field="aggregate_version", version=version,
            values=values, write_once=once,
        )  # fmt: skip
        if has_order:
            day, currency = upsert_if_newer(
                OrderFact, using=DB, lookup={"order_id": data["order_id"]}, version_field="payment_version",
                version=version, values=order_values, returning=("placed_on", "currency"),
            )  # fmt: skip
            if day is not None:
                daily_sales_rebuild(day=day, currency=currency)
        return
    applied = apply_if_newer(PaymentFact, lookup=lookup, version=version, values=values)
    if not applied and milestone != "refunded_at":
        PaymentFact.objects.filter(**lookup, **{f"{milestone}__isnull": True}).update(**{milestone: at})
    if not has_order:
        return
    _order_payment_apply(order_id=data["order_id"], version=version, values=order_values)
    daily_sales_refresh_for(order_id=data["order_id"])


def _order_payment_apply(*, order_id: str, version: int, values: dict) -> None:
    """apply_if_newer on the order's payment columns, versioned by `payment_version`. Payment news
    about an order not seen yet makes a stub row (aggregate_version 0) that the order's event fills."""
    rows = OrderFact.objects.filter(order_id=order_id)
    if rows.filter(payment_version__lt=version).update(payment_version=version, **values):
        return
    if rows.exists():
        return
    try:
        with transaction.atomic(using=DB):
            OrderFact.objects.create(order_id=order_id, payment_version=version, **values)
    except IntegrityError:  # the order's first event won the insert: compare with it instead
        rows.filter(payment_version__lt=version).update(payment_version=version, **values)


def daily_sales_refresh_for(*, order_id: str) -> None:
    """Rebuild the daily sales of the order's (day, currency), if the order's placement is known."""
    key = OrderFact.objects.filter(order_id=order_id).values_list("placed_on", "currency").first()
    if key is not None and key[0] is not None:
        daily_sales_rebuild(day=key[0], currency=key[1])


def daily_sales_rebuild(*, day: date, currency: str) -> None:
    """Replace the (day, currency) rows of DailySales with totals computed from OrderFact.

    The SalesDay row lock serialises rebuilds of one pair: each rebuild reads the facts after the
    previous one committed, so the last to commit has seen every fact committed before it began."""
    now = timezone.now()
    with transaction.atomic(using=DB):
        lock, _ = SalesDay.objects.select_for_update().get_or_create(day=day, currency=currency)
        # Grouped by payment status too, then folded here: plain GROUP BY and SUM (no CASE) on SQL Server.
        totals = (
            OrderFact.objects.filter(placed_on=day, currency=currency)
            .values("status", "payment_status", "prices_include_tax")
            .annotate(
                orders=Count("order_id"),
                items=Sum("item_count"),
                gross=Sum("total_amount"),
                captured=Sum("amount_captured"),
                refunded=Sum("amount_refunded"),
                shipping=Sum("shipping_amount"),
                shipping_tax=Sum("shipping_tax_amount"),
                discount=Sum("discount_amount"),
                tax=Sum("tax_amount"),
            )
            .order_by("status", "payment_status", "prices_include_tax")
        )
        rows: dict[str, DailySales] = {}
        for t in totals:
            row = rows.setdefault(
                t["status"],
                DailySales(
                    day=day,
                    currency=currency,
                    status=t["status"],
                    orders=0,
                    items=0,
                    gross_amount=0,
                    captured_amount=0,
                    refunded_amount=0,
                    voided_amount=0,
                    goods_amount=0,
                    shipping_amount=0,
                    tax_amount=0,
                    discount_amount=0,
                    refreshed_at=now,
                ),
            )
            row.orders += t["orders"]
            row.items += t["items"]
            row.gross_amount += t["gross"]
            row.captured_amount += t["captured"]
            row.refunded_amount += t["refunded"]
            if t["payment_status"] in RELEASED:
                row.voided_amount += t["gross"] - t["captured"]
            # Gross prices hold the shipping's tax inside the shipping charge; net ones add it.
            shipping = t["shipping"] - (t["shipping_tax"] if t["prices_include_tax"] else 0)
            row.shipping_amount += shipping
            row.tax_amount += t["tax"]
            row.discount_amount += t["discount"]
            row.goods_amount += t["gross"] - shipping - t["tax"]
        DailySales.objects.filter(day=day, currency=currency).delete()
        DailySales.objects.bulk_create(rows.values())
        SalesDay.objects.filter(pk=lock.pk).update(refreshed_at=now)


def daily_sales_rebuild_between(*, since: date, until: date) -> None:
    """Rebuild every (day, currency) that has facts placed from `since` to `until` (inclusive)."""
    pairs = (
        OrderFact.objects.filter(placed_on__gte=since, placed_on__lte=until)
        .values_list("placed_on", "currency")
        .distinct()
        .order_by("placed_on", "currency")
    )
    for day, currency in list(pairs):
        daily_sales_rebuild(day=day, currency=currency)


def event_time(envelope: dict) -> datetime:
    """The envelope's `time` (when the change was made, in the producer's transaction)."""
    return datetime.fromisoformat(envelope["time"])


def utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()
