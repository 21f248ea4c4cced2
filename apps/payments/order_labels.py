"""Order numbers for payments' staff pages. Payments may not call orders (pyproject's layers), so
the back office, above both, registers orders' lookup here; without it orders show by id."""

from collections.abc import Callable

_source: list[Callable[..., dict[str, str]]] = []


def payment_order_numbers_source(source: Callable[..., dict[str, str]]) -> None:
    """`source(order_ids=[...]) -> {order id: number}`, one query per page."""
    _source[:] = [source]


def order_numbers(order_ids: list[str]) -> dict[str, str]:
    return _source[0](order_ids=order_ids) if _source else {}
