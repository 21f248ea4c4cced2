"""The reporting module's public surface: the only reporting code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from apps.reporting.selectors import sales_by_day, sales_total

__all__ = ["sales_by_day", "sales_total"]
