"""Compare the daily sales projection with the orders module's own totals."""

from dataclasses import dataclass
from datetime import date

from apps.orders.public import order_totals_by_day
from apps.reporting.models import DailySales

FIELDS = ("orders", "items", "gross_amount")


@dataclass(frozen=True)
class Drift:
    day: date
    currency: str
    status: str
    reporting: tuple[int, int, int]  # orders, items, gross_amount; zeros when the row is missing
    source: tuple[int, int, int]

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
    """Orders, items and gross amount per (day, currency, status), reporting vs orders.public."""
    source = {
        (t.day, t.currency, t.status): (t.orders, t.items, t.total_amount)
        for t in order_totals_by_day(since=since, until=until)
    }
    mine = {
        (r.day, r.currency, r.status): (r.orders, r.items, r.gross_amount)
        for r in DailySales.objects.filter(day__gte=since, day__lte=until)
    }
    keys = sorted(source.keys() | mine.keys())
    zero = (0, 0, 0)
    drifts = tuple(
        Drift(*key, reporting=mine.get(key, zero), source=source.get(key, zero))
        for key in keys
        if mine.get(key, zero) != source.get(key, zero)
    )
    return Reconciliation(since=since, until=until, compared=len(keys), drifts=drifts)
