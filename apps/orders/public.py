"""The orders module's public surface: the only orders code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from apps.orders.selectors import (
    customer_order_stats,
    order_attention,
    order_contact,
    order_numbers,
    order_payments_by_day,
    order_totals_by_day,
    orders_count,
    orders_of_customer,
    orders_page,
)
from apps.orders.timeline import order_timeline_source

__all__ = [
    "customer_order_stats",
    "order_attention",
    "order_contact",
    "order_numbers",
    "order_payments_by_day",
    "order_timeline_source",
    "order_totals_by_day",
    "orders_count",
    "orders_of_customer",
    "orders_page",
]
