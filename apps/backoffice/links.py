"""What the back office hands down to lower modules' admin pages (they may not call up)."""

from django.apps import apps

from apps.orders.contracts import TimelineEntry
from apps.orders.public import order_numbers, order_timeline_source
from apps.payments.public import payment_order_numbers_source

DELIVERY_STATES = {"succeeded": "done", "dead": "problem", "missed": "problem"}


def notifications_of(order_id: str) -> list[TimelineEntry]:
    from apps.notifications.public import deliveries_about_order  # installed here (register)

    return [
        TimelineEntry(
            d.created_at,
            "notification",
            f"{d.channel} {d.event_type.split('.')[1]} to {d.recipient}",
            f"{d.status} after {d.attempts} attempt(s)" + (f" · {d.last_error}" if d.last_error else ""),
            DELIVERY_STATES.get(d.status, "waiting"),
        )
        for d in deliveries_about_order(order_id=order_id)
    ]


def register() -> None:
    # Where notifications runs as its own deployment, its deliveries are in its own admin.
    if apps.is_installed("apps.notifications"):
        order_timeline_source(notifications_of)
    payment_order_numbers_source(order_numbers)
