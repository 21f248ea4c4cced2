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


# What each action asks of a user who is not the customer; a customer may cancel their own order.
ACTION_PERMISSIONS = {
    "ship": "orders.ship_order",
    "deliver": "orders.ship_order",
    "cancel": "orders.cancel_order",
}
OWNER_ACTIONS = frozenset({"cancel"})


def actions_for(order, user) -> list[str]:
    """What `user` may do next to `order`: allowed by its status and by the user's rights (the API
    and the admin offer only these, so nobody is shown an action that then answers 403)."""
    possible = [action for action in allowed_actions(order.status) if action in ACTION_PERMISSIONS]
    owner = order.customer_id == user.pk
    if not user.is_staff:  # customers hold no permissions: no permission queries for them
        return [action for action in possible if owner and action in OWNER_ACTIONS]
    return [
        action
        for action in possible
        if user.has_perm(ACTION_PERMISSIONS[action]) or (owner and action in OWNER_ACTIONS)
    ]
