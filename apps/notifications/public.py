"""The notifications module's public surface: the only notifications code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from apps.notifications.selectors import deliveries_about_order, delivery_health

__all__ = ["deliveries_about_order", "delivery_health"]
