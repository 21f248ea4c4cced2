"""Which status changes an order may make: data, checked in one place (services._transition)."""

from dataclasses import dataclass

from django.dispatch import Signal

from apps.orders import signals
from apps.orders.models import OrderStatus as S


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    signal: Signal


TRANSITIONS: dict[str, Transition] = {
    "pay": Transition(frozenset({S.PLACED}), S.PAID, signals.order_paid),
    "ship": Transition(frozenset({S.PAID}), S.SHIPPED, signals.order_shipped),
    "deliver": Transition(frozenset({S.SHIPPED}), S.DELIVERED, signals.order_delivered),
    "cancel": Transition(frozenset({S.PLACED, S.PAID}), S.CANCELLED, signals.order_cancelled),
    "refund": Transition(frozenset({S.PAID, S.SHIPPED, S.DELIVERED}), S.REFUNDED, signals.order_refunded),
}


def allowed_actions(status: str) -> list[str]:
    """What can happen next to an order in `status` (shown to staff and in the API)."""
    # order_ship captures a placed order first, then ships it
    return [a for a, t in TRANSITIONS.items() if status in t.sources or (a == "ship" and status == S.PLACED)]
