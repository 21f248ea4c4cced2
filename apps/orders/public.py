"""The orders module's public surface: the only orders code other modules may import.

Functions here take and return contracts.py types; the queries live in selectors.py.
"""

from collections.abc import Callable

from apps.orders import services
from apps.orders.contracts import Customer, LineRequest, OrderCharges, PlacedOrder
from apps.orders.selectors import (
    customer_order_stats,
    order_attention,
    order_contact,
    order_numbers,
    order_payments_by_day,
    order_status,
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
    "order_place",
    "order_status",
    "order_timeline_source",
    "order_totals_by_day",
    "orders_count",
    "orders_of_customer",
    "orders_page",
]


def order_place(
    *,
    customer: Customer,
    order_key: str,
    charges: OrderCharges,
    shipping_address: dict,
    billing_address: dict | None,
    payment_provider: str,
    payment_method: str,
    within: Callable[[PlacedOrder], None],
) -> PlacedOrder:
    """Place an order priced by the caller, through the same flow as POST /orders: reserve stock,
    authorize `charges.total_amount`, insert the order. `within(placed)` runs in the order's
    transaction (its writes commit with the order, or nothing does). The same `order_key` again
    returns the order it placed. Raises the orders and payments contracts' errors."""
    order = services.order_create(
        customer=customer,
        idempotency_key=order_key,
        lines=[LineRequest(line.sku, line.quantity) for line in charges.lines],
        shipping_address=shipping_address,
        billing_address=billing_address,
        payment_provider=payment_provider,
        payment_method=payment_method,
        charges=charges,
        order_key=order_key,
        within=within,
    )
    return PlacedOrder(str(order.pk), order.number, order.currency, order.total_amount, order.status)
