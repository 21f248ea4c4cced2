"""Compare the daily sales projection with the orders and payments modules' own numbers."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import islice

from apps.orders.contracts import OrderDayTotals
from apps.orders.public import order_payments_by_day, order_totals_by_day
from apps.payments.public import payments_state
from apps.reporting.models import DailySales

FIELDS = (
    "orders",
    "items",
    "gross_amount",
    "captured_amount",
    "refunded_amount",
    "goods_amount",
    "shipping_amount",
    "tax_amount",
    "discount_amount",
)
PAYMENTS_BATCH = 1000  # payment ids per payments_state call (SQL Server: < 2,100 parameters)


@dataclass(frozen=True)
class Drift:
    day: date
    currency: str
    status: str
    reporting: tuple[int, ...]  # FIELDS in order; zeros when the row is missing
    source: tuple[int, ...]

    def describe(self) -> str:
        diffs = ", ".join(
            f"{name} {mine} != {theirs}"
            for name, mine, theirs in zip(FIELDS, self.reporting, self.source, strict=True)
            if mine != theirs
        )
        return f"{self.day} {self.currency} {self.status}: {diffs}"


@dataclass(frozen=True)
class Reconciliation:
    since: date
    until: date
    compared: int  # (day, currency, status) keys present on either side
    drifts: tuple[Drift, ...]


def sales_reconcile(*, since: date, until: date) -> Reconciliation:
    """Orders, items, gross and its split (goods, shipping, tax; discounts) per (day, currency,
    status) against orders.public; captured and refunded against payments.public, for the payments of the orders orders.public names per day."""
    money = _money_by_day(since=since, until=until)
    source = {
        (t.day, t.currency, t.status): (
            t.orders,
            t.items,
            t.total_amount,
            *money.get((t.day, t.currency, t.status), (0, 0)),
            *_split(t),
        )
        for t in order_totals_by_day(since=since, until=until)
    }
    mine = {
        (r.day, r.currency, r.status): (
            r.orders,
            r.items,
            r.gross_amount,
            r.captured_amount,
            r.refunded_amount,
            r.goods_amount,
            r.shipping_amount,
            r.tax_amount,
            r.discount_amount,
        )
        for r in DailySales.objects.filter(day__gte=since, day__lte=until)
    }
    keys = sorted(source.keys() | mine.keys())
    zero = (0,) * len(FIELDS)
    drifts = tuple(
        Drift(*key, reporting=mine.get(key, zero), source=source.get(key, zero))
        for key in keys
        if mine.get(key, zero) != source.get(key, zero)
    )
    return Reconciliation(since=since, until=until, compared=len(keys), drifts=drifts)


def _split(totals: OrderDayTotals) -> tuple[int, int, int, int]:
    """(goods, shipping, tax, discount) from orders' own sums, as daily sales defines them: shipping
    without its tax (which gross prices hold inside the charge), goods what the gross leaves."""
    shipping = totals.shipping_amount - totals.shipping_tax_in_prices
    goods = totals.total_amount - shipping - totals.tax_amount
    return goods, shipping, totals.tax_amount, totals.discount_amount


def _money_by_day(*, since: date, until: date) -> dict[tuple, tuple[int, int]]:
    """(captured, refunded) per (day, currency, status), as the payments module records them."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    rows = order_payments_by_day(since=since, until=until)
    while batch := list(islice(rows, PAYMENTS_BATCH)):
        states = payments_state(payment_ids=[p.payment_id for p in batch])
        for p in batch:
            state = states.get(p.payment_id)
            if state is not None:
                key = (p.day, p.currency, p.status)
                totals[key][0] += state.amount_captured
                totals[key][1] += state.amount_refunded
    return {key: (captured, refunded) for key, (captured, refunded) in totals.items()}
