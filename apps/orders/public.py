"""The orders module's public surface: the only orders code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from apps.orders.selectors import order_contact, order_totals_by_day, orders_count, orders_page

__all__ = ["order_contact", "order_totals_by_day", "orders_count", "orders_page"]
