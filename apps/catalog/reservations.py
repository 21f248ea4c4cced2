"""Stock reservations for orders: all-or-nothing, idempotent per order_ref, never oversold.

Every stock change is a conditional atomic update of one product (`available >= qty`): on
MongoDB by itself, on the embedded mongomock store because its operations are serialised
(embedded.py). An order's lines go in one bulk write (stock.take_all); a product taken from
lists the order_ref in `holds`, so when a line cannot be had the ones taken are given back
exactly, and commit and release settle exactly what was taken. Per order: reserve is two round
trips (the reservation, the bulk write), commit two (its status, the bulk write).

Reservations written before `holds` existed list what they took in `applied`; they are settled
line by line, as they were made.
"""

from collections import Counter
from datetime import timedelta

from django.utils import timezone
from mongoengine import NotUniqueError

from apps.catalog import cache, pending_events, stock
from apps.catalog.contracts import (
    LineFailure,
    ReservationFailed,
    ReservationMismatch,
    ReservationState,
    StockLine,
)
from apps.catalog.documents import Reservation, ReservedLine, Variant


def stock_reserve(*, order_ref: str, lines: list[StockLine], ttl: timedelta) -> ReservationState:
    """Hold stock for every line, or for none (ReservationFailed, naming each line that cannot be
    had). Calling again with the same order_ref and lines returns the existing reservation
    instead of taking stock twice."""
    wanted = _merged(lines)
    reservation = Reservation(
        order_ref=order_ref,
        lines=[ReservedLine(sku=sku, quantity=qty) for sku, qty in wanted.items()],
        status="held",  # a crash before the takes leaves it holding nothing: expiry settles none
        expires_at=timezone.now() + ttl,
    )
    try:
        reservation.save(force_insert=True)
    except NotUniqueError:
        existing = Reservation.objects.get(order_ref=order_ref)
        if {line.sku: line.quantity for line in existing.lines} != wanted:
            raise ReservationMismatch(order_ref) from None
        return _state(existing)

    held, low = stock.take_all(order_ref, wanted)
    if held != set(wanted):
        stock.settle(order_ref, {sku: wanted[sku] for sku in held}, available=1, reserved=-1, on_hand=0)
        for change in low:  # our own takes made them low, and are undone
            pending_events.forget(change["sku"], [change["event"]["id"]])
        Reservation.objects(pk=reservation.pk).delete()  # the order may try again after a restock
        raise ReservationFailed([_why_not(sku, qty) for sku, qty in wanted.items() if sku not in held])
    stock.after_change(low)
    cache.invalidate_stock(list(wanted))
    return ReservationState(order_ref, "held", tuple(StockLine(sku, qty) for sku, qty in wanted.items()))


def stock_commit(*, order_ref: str) -> ReservationState:
    """The order is paid or shipped: held units leave stock for good. Idempotent.
    Availability does not change (the units were already unavailable): no cache to invalidate."""
    held = _finish(order_ref, from_statuses=("held",), to_status="committed", give_back=False)
    if held is None:
        return _state(_get(order_ref))
    if held.applied:  # made before `holds`
        for line in held.lines:
            _move_stock({"sku": line.sku}, reserved=-line.quantity, on_hand=-line.quantity)
    else:
        stock.settle(order_ref, _quantities(held), available=0, reserved=-1, on_hand=-1)
    return ReservationState(
        order_ref, "committed", tuple(StockLine(li.sku, li.quantity) for li in held.lines)
    )


def stock_release(*, order_ref: str) -> ReservationState:
    """The order is cancelled or failed: its units become available again, whether they were
    still held or already committed (those go back on hand). Idempotent."""
    released = _finish(order_ref, from_statuses=("held",), to_status="released", give_back=True)
    if released is None:
        committed = _finish(order_ref, from_statuses=("committed",), to_status="returned", give_back=False)
        if committed is not None:
            stock.restock_all(_quantities(committed))
            cache.invalidate_stock([line.sku for line in committed.lines])
    return _state(_get(order_ref))


def reservations_expire() -> int:
    """Release reservations past their expiry, including ones a crash left half-made."""
    expired = Reservation.objects(status__in=("held", "pending"), expires_at__lt=timezone.now()).only(
        "order_ref"
    )
    return sum(
        _finish(r.order_ref, from_statuses=("held", "pending"), to_status="released", give_back=True)
        is not None
        for r in expired
    )


_move_stock = stock.move_stock


def _finish(
    order_ref: str, *, from_statuses: tuple[str, ...], to_status: str, give_back: bool
) -> Reservation | None:
    """Move the reservation on; only the caller whose status update matched touches stock.
    Returns the reservation as it was before, or None when it was not in `from_statuses`."""
    moved = Reservation.objects(order_ref=order_ref, status__in=from_statuses).modify(
        set__status=to_status, set__updated_at=timezone.now(), new=False
    )
    if moved is not None and give_back:
        if moved.applied:  # made before `holds`: what it took, line by line
            quantities = _quantities(moved)
            stock.after_change(
                _move_stock({"sku": sku}, available=quantities[sku], reserved=-quantities[sku])
                for sku in moved.applied
            )
        else:
            stock.settle(order_ref, _quantities(moved), available=1, reserved=-1, on_hand=0)
        cache.invalidate_stock([line.sku for line in moved.lines])
    return moved


def _quantities(reservation: Reservation) -> dict[str, int]:
    return {line.sku: line.quantity for line in reservation.lines}


def _why_not(sku: str, quantity: int) -> LineFailure:
    product = Variant.objects(sku=sku).only("active", "available").first()
    if product is None:
        return LineFailure(sku, quantity, 0, "unknown_sku")
    if not product.active:
        return LineFailure(sku, quantity, 0, "inactive")
    return LineFailure(sku, quantity, product.available, "insufficient_stock")


def _merged(lines: list[StockLine]) -> dict[str, int]:
    if not lines:
        raise ValueError("a reservation needs at least one line")
    if any(line.quantity < 1 for line in lines):
        raise ValueError("quantities must be >= 1")
    totals = Counter()
    for line in lines:
        totals[line.sku] += line.quantity
    return dict(sorted(totals.items()))  # SKU order: concurrent reservations meet in one order


def _get(order_ref: str) -> Reservation:
    reservation = Reservation.objects(order_ref=order_ref).first()
    if reservation is None:
        raise LookupError(f"no reservation for {order_ref}")
    return reservation


def _state(reservation: Reservation) -> ReservationState:
    lines = tuple(StockLine(line.sku, line.quantity) for line in reservation.lines)
    return ReservationState(order_ref=reservation.order_ref, status=reservation.status, lines=lines)
