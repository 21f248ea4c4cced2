"""The numbers on the back office's home page, by what the user may see. Each tile links to the
list it counts, filtered the same way; each number comes from a module's public read function."""

from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.apps import apps
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from apps.catalog.public import skus_low_on_stock_count
from apps.common.money import format_money
from apps.events.public import dead_letters_open_count
from apps.orders.public import order_attention
from apps.reporting.public import sales_by_day, sales_total

logger = structlog.get_logger(__name__)
PERIODS = (("Today", 1), ("7 days", 7), ("30 days", 30))
CHART_DAYS = 30


@dataclass(frozen=True)
class Tile:
    label: str
    number: int
    url: str
    alert: bool = False  # a non-zero number here is a problem, not just work


def tiles_for(user) -> list[Tile]:
    tiles: list[Tile] = []
    if user.has_perm("orders.view_order"):
        orders = reverse("admin:orders_order_changelist")
        attention = order_attention()
        tiles += [
            Tile("Orders to fulfil", attention.to_fulfil, f"{orders}?fulfil=todo"),
            Tile(
                "Capture failed", attention.capture_failed, f"{orders}?attention=capture_failed", alert=True
            ),
            Tile("Stuck: not captured", attention.stuck, f"{orders}?attention=stuck", alert=True),
        ]
    if user.has_perm("catalog.view_productadminentry"):
        url = reverse("admin:catalog_productadminentry_changelist")
        tiles.append(
            Tile("SKUs low on stock", skus_low_on_stock_count(), f"{url}?stock=low&active=yes", alert=True)
        )
    if user.has_perm("events.view_deadletter"):
        url = reverse("admin:events_deadletter_changelist")
        tiles.append(Tile("Dead letters waiting", dead_letters_open_count(), f"{url}?settled=no", alert=True))
    # Not where notifications runs as its own deployment (its admin shows them there).
    if apps.is_installed("apps.notifications") and (
        user.has_perm("notifications.view_webhookendpoint") or user.has_perm("notifications.view_delivery")
    ):
        from apps.notifications.public import delivery_health

        health = delivery_health()
        endpoints = reverse("admin:notifications_webhookendpoint_changelist")
        deliveries = reverse("admin:notifications_delivery_changelist")
        tiles += [
            Tile(
                "Failing webhook endpoints",
                health.endpoints_failing,
                f"{endpoints}?health=failing",
                alert=True,
            ),
            Tile(
                "Disabled webhook endpoints",
                health.endpoints_disabled,
                f"{endpoints}?health=disabled",
                alert=True,
            ),
            Tile("Dead deliveries", health.dead, f"{deliveries}?status__exact=dead", alert=True),
        ]
    return tiles


@dataclass(frozen=True)
class SalesRow:
    period: str
    currency: str
    orders: int
    gross: str
    refunded: str
    voided: str
    net: str
    url: str


@dataclass(frozen=True)
class ChartBar:
    day: str
    net: str
    height: int  # pixels, 100 for the best day
    x: int

    @property
    def y(self) -> int:
        return 110 - self.height


def sales_for(user) -> dict | None:
    """Sales net of refunds and voids for today, 7 and 30 days, and a 30-day chart of net per day
    (one currency per chart). None when the user may not read reporting."""
    if not user.has_perm("reporting.view_dailysales"):
        return None
    try:
        return _sales(timezone.now().date())
    except DatabaseError:  # reporting is its own database: its outage must not close the back office
        logger.warning("backoffice_reporting_unavailable", exc_info=True)
        return {"unavailable": True}


def _sales(today) -> dict:
    url = reverse("admin:reporting_dailysales_changelist")
    rows = [
        SalesRow(
            label,
            t.currency,
            t.orders,
            format_money(t.gross, t.currency),
            format_money(t.refunded, t.currency),
            format_money(t.voided, t.currency),
            format_money(t.net, t.currency),
            f"{url}?day__gte={t.since}&day__lte={t.until}&currency={t.currency}",
        )
        for label, days in PERIODS
        for t in sales_total(since=today - timedelta(days=days - 1), until=today)
    ]
    return {"rows": rows, "charts": _charts(today)}


def _charts(today) -> list[dict]:
    since = today - timedelta(days=CHART_DAYS - 1)
    by_currency: dict[str, dict] = {}
    for point in sales_by_day(since=since, until=today):
        by_currency.setdefault(point.currency, {})[point.day] = point.net
    charts = []
    for currency, nets in sorted(by_currency.items()):
        top = max(max(nets.values()), 1)
        days = [since + timedelta(days=i) for i in range(CHART_DAYS)]
        bars = [
            ChartBar(
                str(day),
                format_money(nets.get(day, 0), currency),
                max(0, round(100 * nets.get(day, 0) / top)),
                i * 20,
            )
            for i, day in enumerate(days)
        ]
        charts.append({"currency": currency, "bars": bars, "top": format_money(top, currency)})
    return charts
