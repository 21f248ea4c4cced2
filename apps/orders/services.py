"""Order writes: placement with compensation, and every status change through _transition."""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields

import structlog
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from opentelemetry import trace

from apps.catalog.contracts import ReservationFailed, StockLine
from apps.catalog.public import prices_for, stock_commit, stock_release, stock_reserve
from apps.common.db import update_at_version
from apps.orders import signals
from apps.orders.contracts import (
    GUEST_CUSTOMER_ID,
    SYSTEM,
    Actor,
    ChargedLine,
    ConcurrentUpdate,
    Customer,
    IllegalTransition,
    LineProblem,
    LineRequest,
    OrderCharges,
    OrderRejected,
    OutOfStock,
    PlacedOrder,
)
from apps.orders.event_data import (
    OrderChangedData,
    OrderCreatedData,
    OrderData,
    OrderLineData,
    OrderShippedData,
)
from apps.orders.models import Order, OrderLine, OrderStatus, OrderStatusChange
from apps.orders.transitions import TRANSITIONS
from apps.payments.contracts import (
    PaymentAmountChanged,
    PaymentDeclined,
    PaymentStateConflict,
    PaymentSummary,
)
from apps.payments.public import payment_authorize, payment_capture, payment_void_unrecorded

logger = structlog.get_logger(__name__)
tracer = trace.get_tracer(__name__)

ORDER_IDS = uuid.UUID("5b0f8d52-7d55-4c4e-9a43-6a3c1f0e2d11")  # uuid5 namespace of order ids
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


@tracer.start_as_current_span("orders.order_create")
def order_create(
    *,
    customer: Customer,
    idempotency_key: str,
    lines: list[LineRequest],
    shipping_address: dict,
    payment_provider: str,
    payment_method: str,
    charges: OrderCharges | None = None,
    order_key: str | None = None,
    billing_address: dict | None = None,
    within: Callable[[PlacedOrder], None] | None = None,
) -> Order:
    """Place an order: price, reserve stock, authorize payment (payments commits it), then insert
    the order, its lines, its first status row and OrderCreated in orders' own transaction.
    Whatever fails after a side effect undoes it: the authorization is voided, the reservation
    released. A crash between the two commits leaves an authorization without an order: a retry
    of the same request (same order id, so the same payment) records the order; otherwise
    payments' reconciliation voids it (it asks orders_existing, registered in apps.py).

    The one placement path for direct orders and checkouts alike. A checkout passes `charges`
    (its own pricing: shipping, discount, tax), `order_key` (what makes a retry find the same
    order) and `within`, which runs in the order's transaction: if it raises, nothing is kept."""
    order_id = uuid.uuid5(ORDER_IDS, order_key or f"{customer.id}:{idempotency_key}")
    trace.get_current_span().set_attributes({"order.id": str(order_id), "order.lines": len(lines)})
    charges = charges or _direct_charges(lines)
    # A fresh reservation per attempt: a retry after a failure must not find the released one.
    reservation_ref = f"{order_id}.{secrets.token_hex(4)}"
    _reserve(reservation_ref, lines)
    try:
        payment = payment_authorize(
            order_id=str(order_id),
            amount=charges.total_amount,
            currency=charges.currency,
            provider=payment_provider,
            payment_method=payment_method,
            idempotency_key=f"order:{order_id}",
        )
    # Voided (by an earlier run's compensation, or the order's cancel), or asked for another total
    # than the earlier run's (re-priced since): the earlier run's order, if it recorded one.
    except (PaymentStateConflict, PaymentAmountChanged):
        stock_release(order_ref=reservation_ref)
        existing = Order.objects.filter(pk=order_id).first()
        if existing is None:
            raise
        return existing
    except BaseException:
        stock_release(order_ref=reservation_ref)
        raise
    order = _record(
        order_id, customer, charges, shipping_address, billing_address, payment, reservation_ref, within
    )
    if order.reservation_ref == reservation_ref:
        _commit_stock(order)
    return order


# The order could not be written because the database went away: no compensation, so that the
# client's retry (503, same key) finds the authorization and records the order; if none comes,
# reconciliation voids it.
_TRANSIENT = (OperationalError, InterfaceError)


def _record(
    order_id,
    customer: Customer,
    charges: OrderCharges,
    shipping_address: dict,
    billing_address: dict | None,
    payment: PaymentSummary,
    reservation_ref: str,
    within: Callable[[PlacedOrder], None] | None,
) -> Order:
    """Orders' own transaction: the order and what `within` adds. On failure the authorization is
    voided and the stock released (compensation), unless an earlier run of this same request
    recorded the order (same id, same payment): that order is the answer."""
    try:
        with transaction.atomic():
            order = _insert(
                order_id, customer, charges, shipping_address, billing_address, payment, reservation_ref
            )
            if within is not None:
                within(PlacedOrder(str(order.pk), order.number, order.currency, order.total_amount))
        return order
    except IntegrityError:
        existing = Order.objects.filter(pk=order_id).first()
        if existing is not None:
            stock_release(order_ref=reservation_ref)
            return existing
        _undo(payment, reservation_ref)
        raise
    except _TRANSIENT:
        stock_release(order_ref=reservation_ref)
        raise
    except BaseException:
        _undo(payment, reservation_ref)
        raise


def _undo(payment: PaymentSummary, reservation_ref: str) -> None:
    try:
        payment_void_unrecorded(payment_id=payment.id)
    finally:
        stock_release(order_ref=reservation_ref)


def order_ship(*, order: Order, carrier: str, tracking_number: str, actor: Actor) -> Order:
    """Mark shipped with carrier and tracking. An order not captured yet is captured first
    (the on_shipment policy, or an immediate capture still on its way): nothing ships unpaid.

    The capture happens only once this request has won the order: its row is locked at the
    version we read (a cancel that got there first makes this a ConcurrentUpdate before any money
    moves), and a cancel arriving during the capture waits for the lock and then loses on the
    version. Pay and ship commit together, so a lost race never leaves a charge behind.
    """
    declined: PaymentDeclined | None = None
    with transaction.atomic():
        _lock_at_version(order)
        if order.status == OrderStatus.PLACED:
            try:
                payment_capture(payment_id=str(order.payment_id), idempotency_key=f"capture:{order.pk}")
            except PaymentDeclined as exc:
                declined = exc  # committed below with the refusal the payment recorded
            else:
                _transition(order, "pay", actor=SYSTEM, reason="captured on shipment")
        if declined is None:
            _transition(
                order,
                "ship",
                actor=actor,
                reason=f"{carrier} {tracking_number}",
                carrier=carrier,
                tracking_number=tracking_number,
            )
    if declined is not None:
        raise declined
    return order


def _lock_at_version(order: Order) -> None:
    """Row-lock the order; ConcurrentUpdate if it moved on since `order` was read."""
    current = Order.objects.select_for_update().filter(pk=order.pk).values_list("version", "status").first()
    if current is None or current[0] != order.version:
        raise ConcurrentUpdate(current[1] if current else "gone")


def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel; the OrderCancelled handler then voids or refunds the payment and restocks."""
    return _transition(order, "cancel", actor=actor, reason=reason)


def order_deliver(*, order: Order, actor: Actor) -> Order:
    return _transition(order, "deliver", actor=actor)


def order_mark_paid(*, order: Order) -> Order:
    return _transition(order, "pay", actor=SYSTEM, reason="payment captured")


def order_mark_refunded(*, order: Order) -> Order:
    return _transition(order, "refund", actor=SYSTEM, reason="payment fully refunded")


def _transition(order: Order, action: str, *, actor: Actor, reason: str = "", **changes) -> Order:
    """The one place an order changes status: guarded by TRANSITIONS, optimistic on `version`,
    audited, announced."""
    transition = TRANSITIONS[action]
    if order.status not in transition.sources:
        raise IllegalTransition(action, order.status)
    previous = order.status
    with transaction.atomic():
        if not update_at_version(order, status=transition.target, **changes):
            current = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
            raise ConcurrentUpdate(current or "gone")
        OrderStatusChange.objects.create(
            order=order, from_status=previous, to_status=order.status, actor=actor.label, reason=reason[:500]
        )
        transition.signal.send(**_event(order, _change_data(order, action, reason)))
    return order


def _direct_charges(lines: list[LineRequest]) -> OrderCharges:
    """A direct order (POST /orders) charges the catalog's prices and nothing else."""
    priced = _priced_lines(lines)
    subtotal = sum(line.line_total for line in priced)
    return OrderCharges(
        currency=priced[0].currency,
        lines=tuple(ChargedLine(p.sku, p.name, p.unit_price, p.quantity, p.line_total) for p in priced),
        subtotal_amount=subtotal,
        total_amount=subtotal,
    )


@dataclass(frozen=True, slots=True)
class _Priced:
    """A requested line with the catalog's name and price as at this moment."""

    sku: str
    name: str
    unit_price: int
    currency: str
    quantity: int

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


def _priced_lines(lines: list[LineRequest]) -> list[_Priced]:
    prices = prices_for(skus=[line.sku for line in lines])
    problems, priced = [], []
    for index, line in enumerate(lines):
        price = prices.get(line.sku)
        if price is None or not price.active:
            why = "unknown" if price is None else "not for sale"
            problems.append(LineProblem(index, "sku", f"SKU {line.sku} is {why}.", "unknown_sku"))
            continue
        priced.append(_Priced(line.sku, price.name, price.price_amount, price.currency, line.quantity))
    currencies = {p.currency for p in priced}
    if len(currencies) > 1:
        problems.append(
            LineProblem(
                -1,
                "lines",
                f"All lines must be in one currency, not {', '.join(sorted(currencies))}.",
                "mixed_currencies",
            )
        )
    if problems:
        raise OrderRejected(problems)
    return priced


@tracer.start_as_current_span("orders.reserve_stock")
def _reserve(reservation_ref: str, lines: list[LineRequest]) -> None:
    try:
        stock_reserve(
            order_ref=reservation_ref,
            lines=[StockLine(line.sku, line.quantity) for line in lines],
            ttl=settings.ORDERS_RESERVATION_TTL,
        )
    except ReservationFailed as failed:
        index = {line.sku: i for i, line in enumerate(lines)}
        problems = [
            LineProblem(
                index[f.sku],
                "quantity",
                f"Only {f.available} of {f.sku} available, {f.requested} asked."
                if f.reason == "insufficient_stock"
                else f"SKU {f.sku} is not for sale.",
                f.reason,
                f.available,
            )
            for f in failed.failures
        ]
        if all(f.reason == "insufficient_stock" for f in failed.failures):
            raise OutOfStock(problems) from None
        raise OrderRejected(problems) from None


@tracer.start_as_current_span("orders.insert")
def _insert(
    order_id,
    customer: Customer,
    charges: OrderCharges,
    address: dict,
    billing_address: dict | None,
    payment: PaymentSummary,
    reservation_ref: str,
) -> Order:
    """The order, its lines, its first status row and OrderCreated (in _record's transaction)."""
    order = Order.objects.create(
        id=order_id,
        number=_new_number(),
        customer_id=customer.id or None,  # 0 (a checkout guest) is stored as no customer
        customer_email=customer.email,
        currency=charges.currency,
        subtotal_amount=charges.subtotal_amount,
        shipping_method=charges.shipping_method,
        shipping_amount=charges.shipping_amount,
        shipping_tax_amount=charges.shipping_tax_amount,
        discount_amount=charges.discount_amount,
        tax_amount=charges.tax_amount,
        voucher_code=charges.voucher_code,
        prices_include_tax=charges.prices_include_tax,
        total_amount=charges.total_amount,
        item_count=sum(line.quantity for line in charges.lines),
        shipping_address=address,
        billing_address=billing_address,
        payment_id=payment.id,
        payment_provider=payment.provider,
        payment_status=payment.status,
        payment_version=payment.version,
        reservation_ref=reservation_ref,
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=p.sku,
            name=p.name,
            unit_price=p.unit_price,
            quantity=p.quantity,
            line_total=p.line_total,
            discount_amount=p.discount_amount,
            tax_amount=p.tax_amount,
        )
        for p in charges.lines
    )
    order._prefetched_objects_cache = {"lines": lines}  # the response needs no SELECT for them
    OrderStatusChange.objects.create(
        order=order,
        to_status=order.status,
        actor=f"{'guest' if customer.id == GUEST_CUSTOMER_ID else 'customer ' + str(customer.id)} <{customer.email}>",
        reason="placed",
    )
    signals.order_created.send(**_event(order, _created_data(order, charges)))
    return order


def _commit_stock(order: Order) -> None:
    """Held stock leaves for good. A failure here is repaired by the OrderCreated handler."""
    try:
        stock_commit(order_ref=order.reservation_ref)
    except Exception:
        logger.exception("order_stock_commit_deferred", order_id=str(order.pk))


def _new_number() -> str:
    """Year-month plus 8 random Crockford characters (40 bits): short to read out, never a count."""
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"{timezone.now():%y%m}-{tail[:4]}-{tail[4:]}"


# OrderCreated's line fields, each taken from the ChargedLine, and its charge fields (subtotal,
# shipping, discount, tax, voucher), each from the OrderCharges of the same name.
_LINE_FIELDS = tuple(f.name for f in fields(OrderLineData))
_CHARGE_FIELDS = tuple(
    f.name for f in fields(OrderCreatedData) if f.name not in {g.name for g in fields(OrderData)} | {"lines"}
)


def _created_data(order: Order, charges: OrderCharges) -> OrderCreatedData:
    lines = [OrderLineData(**{name: getattr(p, name) for name in _LINE_FIELDS}) for p in charges.lines]
    return OrderCreatedData(
        **_order_data(order), lines=lines, **{name: getattr(charges, name) for name in _CHARGE_FIELDS}
    )


def _change_data(order: Order, action: str, reason: str) -> OrderChangedData:
    if action == "ship":
        return OrderShippedData(
            **_order_data(order), reason=reason, carrier=order.carrier, tracking_number=order.tracking_number
        )
    return OrderChangedData(**_order_data(order), reason=reason)


def _order_data(order: Order) -> dict:
    """The fields every orders event shares (event_data.OrderData)."""
    return {
        "order_id": str(order.pk),
        "number": order.number,
        "customer_id": order.customer_id or 0,  # events say 0 for a guest's order
        "status": order.status,
        "currency": order.currency,
        "total_amount": order.total_amount,
        "item_count": order.item_count,
        "payment_id": str(order.payment_id) if order.payment_id else None,
    }


def _event(order: Order, data: OrderData) -> dict:
    return {"sender": Order, "subject": str(order.pk), "aggregate_version": order.version, "data": data}


def orders_claim_guest(*, customer_id: int, email: str) -> int:
    """Give the customer the guest orders placed with their (just verified) address. Returns how
    many; a repeat finds none left (idempotent)."""
    with transaction.atomic():
        return Order.objects.filter(customer_id__isnull=True, customer_email__iexact=email).update(
            customer_id=customer_id, updated_at=timezone.now()
        )


PERSONAL_ADDRESS_FIELDS = ("phone",)  # not on an invoice: erased with the account


def orders_erase_customer(*, customer_id: int) -> int:
    """A deleted customer's orders keep what the books need (number, lines, amounts, the invoice
    name and address) and lose the contact details (email, phone), in the status history's actor
    labels too ("customer 12 <a@b.c>" becomes "customer 12"; a claimed guest order's "guest <a@b.c>"
    becomes "guest"). Returns how many orders."""
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(customer_id=customer_id).order_by("pk"))
        for order in orders:
            address = {k: v for k, v in order.shipping_address.items() if k not in PERSONAL_ADDRESS_FIELDS}
            Order.objects.filter(pk=order.pk).update(
                customer_email="", shipping_address=address, updated_at=timezone.now()
            )
        history = OrderStatusChange.objects.filter(order__customer_id=customer_id)
        history.filter(actor__startswith=f"customer {customer_id} <").update(actor=f"customer {customer_id}")
        history.filter(actor__startswith="guest <").update(actor="guest")
    return len(orders)
