"""An order's life in time order, for its admin page: its own status changes and staff notes,
its payment's money movements (payments.public), and what modules above orders add through
`order_timeline_source` (notifications: orders may not call it, see pyproject's layers; the
back office registers it). Each module is read through its public functions only."""

from collections.abc import Callable

from apps.common.money import format_money
from apps.orders.contracts import TimelineEntry as Entry
from apps.orders.models import Order
from apps.payments.public import payment_activity

PROBLEM, DONE, INFO = "problem", "done", "info"
_sources: list[Callable[[str], list[Entry]]] = []


def order_timeline_source(source: Callable[[str], list[Entry]]) -> Callable[[str], list[Entry]]:
    """Register `source(order_id) -> [TimelineEntry]`, called for every order page."""
    if source not in _sources:
        _sources.append(source)
    return source


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
    for source in _sources:
        entries += source(str(order.pk))
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
