"""What the back office, the monolith's top, hands down to lower modules (they may not call up
or sideways): lookups for admin pages, and notifications' in-process sources."""

from django.apps import apps

from apps.accounts.public import account_get, account_link
from apps.orders.contracts import TimelineEntry
from apps.orders.public import order_contact, order_numbers, order_timeline_source
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
    payment_order_numbers_source(order_numbers)
    # Where notifications runs as its own deployment (config/deployments.py), its deliveries are
    # in its own admin, and it reads these over HTTP instead (NOTIFICATIONS_*_URL).
    if apps.is_installed("apps.notifications"):
        from apps.notifications.public import sources_in_process

        order_timeline_source(notifications_of)
        sources_in_process(account_get=account_get, account_link=account_link, order_contact=order_contact)
