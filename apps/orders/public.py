"""The orders module's public surface: the only orders code other modules may import.

Empty until the module's issue fills it; functions here take and return contracts.py types.
"""

from collections.abc import Iterator
from datetime import UTC, date

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate

from apps.orders import selectors
from apps.orders.contracts import (
    CustomerOrderStats,
    OrderAttention,
    OrderContact,
    OrderCursor,
    OrderDayPayment,
    OrderDayTotals,
    OrderPage,
    OrderRecord,
)
from apps.orders.models import Order, OrderStatusChange

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
        .annotate(orders=Count("id"), items=Sum("item_count"), total=Sum("total_amount"))
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
        )
        for r in rows
    ]


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


def orders_count() -> int:
    """How many orders there are (a backfill's progress bar)."""
    return Order.objects.count()


def order_contact(*, order_id: str) -> OrderContact:
    """The shipping contact of an order (personal data stays out of events); LookupError if none."""
    address = Order.objects.filter(pk=order_id).values_list("shipping_address", flat=True).first()
    if address is None:
        raise LookupError(f"no order {order_id}")
    return OrderContact(name=address.get("name", ""), phone=address.get("phone", ""))


def order_attention() -> OrderAttention:
    """Counts for the back office's home page (three indexed COUNTs)."""
    orders = Order.objects.all()
    return OrderAttention(
        to_fulfil=selectors.orders_to_fulfil(orders).count(),
        capture_failed=selectors.orders_capture_failed(orders).count(),
        stuck=selectors.orders_stuck(orders).count(),
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
