"""Order reads: the staff and customer API's, and the queries behind public.py's read functions."""

from collections.abc import Iterator
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.orders.contracts import (
    CustomerOrder,
    CustomerOrderStats,
    OrderAttention,
    OrderContact,
    OrderCursor,
    OrderDayPayment,
    OrderDayTotals,
    OrderPage,
    OrderRecord,
)
from apps.orders.models import Order, OrderStatus, OrderStatusChange

CAPTURE_FAILED = "capture_failed"  # the order's payment_status after payments.PaymentCaptureFailed
STUCK_AFTER = timedelta(minutes=30)  # an immediate capture normally takes seconds


def orders_visible_to(user) -> QuerySet[Order]:
    """Staff who may view orders see all of them; a customer sees only their own."""
    orders = Order.objects.prefetch_related("lines")
    return orders if user.has_perm("orders.view_order") else orders.filter(customer_id=user.pk)


def order_visible_to(user, order_id) -> Order | None:
    """None for an order the user may not see as well as for one that does not exist: a customer
    probing another's order id learns nothing (404, not 403)."""
    return orders_visible_to(user).filter(pk=order_id).first()


def orders_to_fulfil(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Paid orders waiting to ship; with capture on shipment, authorized placed ones too."""
    waiting = Q(status=OrderStatus.PAID)
    if settings.ORDERS_CAPTURE_POLICY == "on_shipment":
        waiting |= Q(status=OrderStatus.PLACED, payment_status="authorized")
    return orders.filter(waiting)


def orders_capture_failed(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.filter(status=OrderStatus.PLACED, payment_status=CAPTURE_FAILED)


def orders_stuck(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Placed under immediate capture and still not captured (nor refused) after STUCK_AFTER: the
    capture handler is failing or dead-lettered."""
    if settings.ORDERS_CAPTURE_POLICY != "immediate":
        return orders.none()
    return orders.filter(
        status=OrderStatus.PLACED, payment_status="authorized", created_at__lt=timezone.now() - STUCK_AFTER
    )


_ORDER_FIELDS = (
    "id",
    "number",
    "customer_id",
    "status",
    "currency",
    "total_amount",
    "item_count",
    "payment_id",
    "version",
    "created_at",
    "shipping_amount",
    "shipping_tax_amount",
    "discount_amount",
    "tax_amount",
    "prices_include_tax",
)
_STATUS_TIMES = ("paid", "shipped", "delivered", "cancelled", "refunded")


def orders_page(*, after: OrderCursor | None, limit: int) -> OrderPage:
    """Orders in (created_at, id) order after the cursor, `limit` at most: a keyset page, so each
    page costs the same however deep it is and orders placed meanwhile are not skipped."""
    orders = Order.objects.order_by("created_at", "id")
    if after is not None:
        orders = orders.filter(
            Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, id__gt=after.id)
        )
    rows = list(orders.values_list(*_ORDER_FIELDS)[:limit])
    times: dict = {}
    changes = OrderStatusChange.objects.filter(
        order_id__in=[row[0] for row in rows], to_status__in=_STATUS_TIMES
    ).order_by("created_at", "id")
    for order_id, status, at in changes.values_list("order_id", "to_status", "created_at"):
        times.setdefault(order_id, {}).setdefault(f"{status}_at", at)  # the first time it got there
    records = tuple(
        OrderRecord(
            id=str(row[0]),
            number=row[1],
            customer_id=row[2],
            status=row[3],
            currency=row[4],
            total_amount=row[5],
            item_count=row[6],
            payment_id=str(row[7]) if row[7] else None,
            version=row[8],
            created_at=row[9],
            **{f"{s}_at": times.get(row[0], {}).get(f"{s}_at") for s in _STATUS_TIMES},
            shipping_amount=row[10],
            shipping_tax_amount=row[11],
            discount_amount=row[12],
            tax_amount=row[13],
            prices_include_tax=row[14],
        )
        for row in rows
    )
    last = records[-1] if len(records) == limit else None
    return OrderPage(records=records, next=OrderCursor(last.created_at, last.id) if last else None)


def order_totals_by_day(*, since: date, until: date) -> list[OrderDayTotals]:
    """Orders created from `since` to `until` (inclusive, UTC days) counted and summed by day,
    currency and current status (reconciliation of read models)."""
    day = TruncDate("created_at", tzinfo=UTC)
    rows = (
        Order.objects.annotate(day=day)
        .filter(day__gte=since, day__lte=until)
        .values("day", "currency", "status")
        .annotate(
            orders=Count("id"),
            items=Sum("item_count"),
            total=Sum("total_amount"),
            shipping=Sum("shipping_amount"),
            shipping_tax_in_prices=Sum("shipping_tax_amount", filter=Q(prices_include_tax=True), default=0),
            tax=Sum("tax_amount"),
            discount=Sum("discount_amount"),
        )
        .order_by("day", "currency", "status")
    )
    return [
        OrderDayTotals(
            day=r["day"],
            currency=r["currency"],
            status=r["status"],
            orders=r["orders"],
            items=r["items"],
            total_amount=r["total"],
            shipping_amount=r["shipping"],
            shipping_tax_in_prices=r["shipping_tax_in_prices"],
            tax_amount=r["tax"],
            discount_amount=r["discount"],
        )
        for r in rows
    ]


def orders_count() -> int:
    """How many orders there are (a backfill's progress bar)."""
    return Order.objects.count()


def order_contact(*, order_id: str) -> OrderContact:
    """The shipping contact of an order (personal data stays out of events); LookupError if none.
    The email only for a guest's order: a customer's current address is their account's."""
    row = (
        Order.objects.filter(pk=order_id)
        .values_list("shipping_address", "number", "customer_id", "customer_email")
        .first()
    )
    if row is None:
        raise LookupError(f"no order {order_id}")
    address, number, customer_id, email = row
    return OrderContact(
        name=address.get("name", ""),
        phone=address.get("phone", ""),
        number=number,
        customer_id=customer_id,
        email=email if customer_id is None else "",
    )


def order_payments_by_day(*, since: date, until: date) -> Iterator[OrderDayPayment]:
    """The payment of every order created from `since` to `until` (inclusive, UTC days), with the
    order's day, currency and current status: reconciliation sums what payments says of them."""
    day = TruncDate("created_at", tzinfo=UTC)
    rows = (
        Order.objects.annotate(day=day)
        .filter(day__gte=since, day__lte=until, payment_id__isnull=False)
        .values_list("day", "currency", "status", "payment_id")
        .order_by()
    )
    for day_, currency, status, payment_id in rows.iterator(chunk_size=2000):
        yield OrderDayPayment(day_, currency, status, str(payment_id))


def order_attention() -> OrderAttention:
    """Counts for the back office's home page (three indexed COUNTs)."""
    orders = Order.objects.all()
    return OrderAttention(
        to_fulfil=orders_to_fulfil(orders).count(),
        capture_failed=orders_capture_failed(orders).count(),
        stuck=orders_stuck(orders).count(),
    )


def customer_order_stats(*, customer_ids: list[int]) -> dict[int, CustomerOrderStats]:
    """Orders count, totals per currency and last order time of each customer (one query).
    Cancelled orders are counted but not in the totals: nothing was spent on them."""
    rows = (
        Order.objects.filter(customer_id__in=customer_ids)
        .values("customer_id", "currency")
        .annotate(
            orders=Count("id"),
            spent=Sum("total_amount", filter=~Q(status="cancelled")),
            last=Max("created_at"),
        )
        .order_by("customer_id", "currency")
    )
    stats: dict[int, CustomerOrderStats] = {}
    for r in rows:
        known = stats.get(r["customer_id"])
        totals = (*(known.totals if known else ()), (r["currency"], r["spent"] or 0))
        last = max(filter(None, [known.last_order_at if known else None, r["last"]]))
        stats[r["customer_id"]] = CustomerOrderStats(
            r["customer_id"], (known.orders if known else 0) + r["orders"], totals, last
        )
    return stats


def order_numbers(*, order_ids: list[str]) -> dict[str, str]:
    """Order number by order id (one query): other modules' staff pages name orders by number."""
    rows = Order.objects.filter(pk__in=order_ids).values_list("id", "number")
    return {str(pk): number for pk, number in rows}


def order_status(*, order_id: str) -> str | None:
    """The order's status now (a guest follows its order through the checkout); None if none."""
    return Order.objects.filter(pk=order_id).values_list("status", flat=True).first()


def orders_of_customer(*, customer_id: int, limit: int = 100) -> list[CustomerOrder]:
    """A customer's latest orders, newest first (indexed by customer and time)."""
    rows = Order.objects.filter(customer_id=customer_id).order_by("-created_at")[:limit]
    return [
        CustomerOrder(
            str(o.pk), o.number, o.status, o.payment_status, o.currency, o.total_amount, o.created_at
        )
        for o in rows
    ]


def orders_ready_to_capture(*, order_ids: list[str]) -> set[str]:
    """Those orders whose payment may be captured now, by the capture policy: under "immediate"
    every placed order (its capture is due, or was refused and may be retried); under
    "on_shipment" none, since shipping is what captures."""
    if settings.ORDERS_CAPTURE_POLICY != "immediate":
        return set()
    placed = Order.objects.filter(pk__in=order_ids, status=OrderStatus.PLACED).values_list("pk", flat=True)
    return {str(pk) for pk in placed}


def orders_existing(*, order_ids: list[str]) -> set[str]:
    """Those of these orders that were recorded (whatever their status since)."""
    return {str(pk) for pk in Order.objects.filter(pk__in=order_ids).values_list("pk", flat=True)}
