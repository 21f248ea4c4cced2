"""The notifications module's public surface: the only notifications code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from apps.notifications.selectors import deliveries_about_order, delivery_health
from apps.notifications.sources import sources_in_process

__all__ = ["deliveries_about_order", "delivery_health", "sources_in_process"]
