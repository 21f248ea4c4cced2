"""Reads of the reporting projections behind public.py."""

from datetime import date

from django.db.models import Sum

from apps.reporting.contracts import SalesDayNet, SalesTotal
from apps.reporting.models import DailySales


def sales_total(*, since: date, until: date) -> list[SalesTotal]:
    """Daily sales summed over [since, until] per currency (one aggregate query)."""
    rows = (
        DailySales.objects.filter(day__gte=since, day__lte=until)
        .values("currency")
        .annotate(
            orders=Sum("orders"),
            gross=Sum("gross_amount"),
            captured=Sum("captured_amount"),
            refunded=Sum("refunded_amount"),
            voided=Sum("voided_amount"),
        )
        .order_by("currency")
    )
    return [
        SalesTotal(
            since=since,
            until=until,
            currency=r["currency"],
            orders=r["orders"],
            gross=r["gross"],
            refunded=r["refunded"],
            voided=r["voided"],
            net=r["captured"] - r["refunded"],
        )
        for r in rows
    ]


def sales_by_day(*, since: date, until: date) -> list[SalesDayNet]:
    """Net per (day, currency), days without sales left out (a chart's points)."""
    rows = (
        DailySales.objects.filter(day__gte=since, day__lte=until)
        .values("day", "currency")
        .annotate(captured=Sum("captured_amount"), refunded=Sum("refunded_amount"))
        .order_by("day", "currency")
    )
    return [SalesDayNet(r["day"], r["currency"], r["captured"] - r["refunded"]) for r in rows]
