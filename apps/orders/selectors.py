"""Order reads: the staff and customer API's, and the queries behind public.py's read functions."""

from datetime import UTC, date

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from apps.orders.contracts import OrderContact, OrderCursor, OrderDayTotals, OrderPage, OrderRecord
from apps.orders.models import Order, OrderStatusChange


def orders_visible_to(user) -> QuerySet[Order]:
    """Staff who may view orders see all of them; a customer sees only their own."""
    orders = Order.objects.prefetch_related("lines")
    return orders if user.has_perm("orders.view_order") else orders.filter(customer_id=user.pk)


def order_visible_to(user, order_id) -> Order | None:
    """None for an order the user may not see as well as for one that does not exist: a customer
    probing another's order id learns nothing (404, not 403)."""
    return orders_visible_to(user).filter(pk=order_id).first()


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


def orders_count() -> int:
    """How many orders there are (a backfill's progress bar)."""
    return Order.objects.count()


def order_contact(*, order_id: str) -> OrderContact:
    """The shipping contact of an order (personal data stays out of events); LookupError if none."""
    address = Order.objects.filter(pk=order_id).values_list("shipping_address", flat=True).first()
    if address is None:
        raise LookupError(f"no order {order_id}")
    return OrderContact(name=address.get("name", ""), phone=address.get("phone", ""))
