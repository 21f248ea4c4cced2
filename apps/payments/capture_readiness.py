"""Whether an order is ready to have its payment captured, asked when an authorization is about to
expire. Payments may not call orders (pyproject's layers) and orders owns the capture policy, so
orders registers its answer here at start-up; without it no order counts as ready (the
authorization is voided and staff are told)."""

from collections.abc import Callable

_source: list[Callable[..., set[str]]] = []


def payment_capture_readiness_source(source: Callable[..., set[str]]) -> None:
    """`source(order_ids=[...]) -> {ids of those orders ready to capture}`, one query."""
    _source[:] = [source]


def orders_ready_to_capture(order_ids: list[str]) -> set[str]:
    return _source[0](order_ids=order_ids) if _source else set()
