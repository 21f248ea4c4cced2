"""An order's life in time order, for its admin page: its own status changes and staff notes,
its payment's money movements (payments.public) and the notifications about it
(notifications.public). Each module is read through its public functions only."""

from dataclasses import dataclass
from datetime import datetime

from apps.common.money import format_money
from apps.notifications.public import deliveries_about_order
from apps.orders.models import Order
from apps.payments.public import payment_activity

PROBLEM, DONE, WAITING, INFO = "problem", "done", "waiting", "info"
DELIVERY_STATES = {"succeeded": DONE, "dead": PROBLEM, "missed": PROBLEM}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # status, payment, notification, note
    title: str
    detail: str = ""
    state: str = INFO  # problem, done, waiting, info: how the page colours it


def order_timeline(order: Order) -> list[Entry]:
    entries = [
        Entry(
            change.created_at,
            "status",
            f"{change.from_status or 'new'} → {change.to_status}",
            " · ".join(p for p in (change.reason, change.actor) if p),
        )
        for change in order.status_changes.all()
    ]
    entries += [
        Entry(note.created_at, "note", f"Note by {note.author}", note.text) for note in order.notes.all()
    ]
    if order.payment_id:
        entries += _payment_entries(str(order.payment_id))
    entries += [
        Entry(
            d.created_at,
            "notification",
            f"{d.channel} {d.event_type.split('.')[1]} to {d.recipient}",
            f"{d.status} after {d.attempts} attempt(s)" + (f" · {d.last_error}" if d.last_error else ""),
            DELIVERY_STATES.get(d.status, WAITING),
        )
        for d in deliveries_about_order(order_id=str(order.pk))
    ]
    return sorted(entries, key=lambda e: e.at)


def _payment_entries(payment_id: str) -> list[Entry]:
    entries, captured, refunded = [], 0, 0
    for a in payment_activity(payment_id=payment_id):
        money = format_money(a.amount, a.currency)
        match a.kind:
            case "authorized":
                entries.append(Entry(a.at, "payment", f"Payment authorized: {money}"))
            case "authorization_failed":
                entries.append(Entry(a.at, "payment", f"Authorization failed: {money}", a.detail, PROBLEM))
            case "captured":
                captured = a.amount
                entries.append(Entry(a.at, "payment", f"Captured {money}", state=DONE))
            case "capture_failed":
                entries.append(
                    Entry(a.at, "payment", f"Capture failed: {money} not taken", a.detail, PROBLEM)
                )
            case "refunded":
                refunded += a.amount
                scope = (
                    "full"
                    if refunded >= captured
                    else f"partial, {format_money(refunded, a.currency)} so far"
                )
                detail = " · ".join(p for p in (a.detail, a.actor) if p)
                entries.append(Entry(a.at, "payment", f"Refunded {money} ({scope})", detail))
            case "voided":
                entries.append(Entry(a.at, "payment", f"Authorization voided: {money} released"))
    return entries
