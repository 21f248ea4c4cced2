"""Whether an authorized payment's order was recorded, asked by reconciliation about authorizations
left untouched for PAYMENTS_RECONCILE_AFTER: placement commits the authorization before the order
(each module in its own transaction), so a process dying in between leaves one with no order.
Payments may not call orders (pyproject's layers), so orders registers its answer here at start-up.
Without it every order counts as recorded: nothing is voided on no information."""

from collections.abc import Callable

_source: list[Callable[..., set[str]]] = []


def payment_order_check_source(source: Callable[..., set[str]]) -> None:
    """`source(order_ids=[...]) -> {ids of those orders that exist}`, one query."""
    _source[:] = [source]


def orders_recorded(order_ids: list[str]) -> set[str]:
    return _source[0](order_ids=order_ids) if _source else set(order_ids)
