"""What orders does when events arrive. Each handler is idempotent: redelivery changes nothing."""

import structlog
from django.conf import settings

from apps.accounts.public import account_get
from apps.catalog.public import stock_commit, stock_release
from apps.events.public import subscribe
from apps.orders import services
from apps.orders.models import Order, OrderStatus
from apps.orders.selectors import CAPTURE_FAILED
from apps.payments.contracts import PaymentDeclined, PaymentStateConflict
from apps.payments.public import payment_capture, payment_release

logger = structlog.get_logger(__name__)


@subscribe("orders.OrderCreated.v1")
def capture_when_immediate(envelope: dict) -> None:
    """Capture policy "immediate": take the money now; PaymentCaptured then marks the order paid."""
    if settings.ORDERS_CAPTURE_POLICY != "immediate":
        return
    order = Order.objects.get(pk=envelope["subject"])
    if order.status != OrderStatus.PLACED:
        return
    try:
        payment_capture(payment_id=str(order.payment_id), idempotency_key=f"capture:{order.pk}")
    except PaymentDeclined as declined:
        # Retrying a refusal gets the same answer: the order stays placed for staff to resolve.
        logger.warning("order_capture_declined", order_id=str(order.pk), code=declined.code)
    except PaymentStateConflict as conflict:
        logger.info("order_capture_skipped", order_id=str(order.pk), payment_status=conflict.status)


@subscribe("orders.OrderCreated.v1")
def commit_stock(envelope: dict) -> None:
    """Placement commits the reservation; this repairs a placement that crashed just before."""
    order = Order.objects.get(pk=envelope["subject"])
    if order.status != OrderStatus.CANCELLED:
        stock_commit(order_ref=order.reservation_ref)


@subscribe("orders.OrderCancelled.v1")
def give_back(envelope: dict) -> None:
    """A cancelled order's money goes back (void or refund) and its units return to stock."""
    order = Order.objects.get(pk=envelope["subject"])
    payment_release(
        payment_id=str(order.payment_id), idempotency_key=f"cancel:{order.pk}", reason="order cancelled"
    )
    stock_release(order_ref=order.reservation_ref)


@subscribe("payments.PaymentAuthorized.v1")
@subscribe("payments.PaymentCaptured.v1")
@subscribe("payments.PaymentRefunded.v1")
@subscribe("payments.PaymentVoided.v1")
@subscribe("payments.PaymentFailed.v1")
@subscribe("payments.PaymentCaptureFailed.v1")
def track_payment_status(envelope: dict) -> None:
    """Keep the order's copy of its payment status (staff filter on it); older news changes nothing.
    A refused capture leaves the payment authorized; the order's copy says `capture_failed` so staff
    find it (a later capture or void, a newer version, replaces it)."""
    status = envelope["data"]["status"]
    if envelope["type"] == "payments.PaymentCaptureFailed.v1":
        status = CAPTURE_FAILED
    Order.objects.filter(
        pk=envelope["data"]["order_id"], payment_version__lt=envelope["aggregateversion"]
    ).update(payment_status=status, payment_version=envelope["aggregateversion"])


@subscribe("payments.PaymentCaptured.v1")
def mark_paid(envelope: dict) -> None:
    _move(envelope["data"]["order_id"], services.order_mark_paid, only_from=(OrderStatus.PLACED,))


@subscribe("payments.PaymentRefunded.v1")
def mark_refunded(envelope: dict) -> None:
    if envelope["data"].get("fully_refunded"):
        _move(
            envelope["data"]["order_id"],
            services.order_mark_refunded,
            only_from=(OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        )


def _move(order_id: str, service, *, only_from) -> None:
    """A lost race (ConcurrentUpdate) fails the handler: its retry re-reads and decides again."""
    order = Order.objects.filter(pk=order_id).first()
    if order is not None and order.status in only_from:
        service(order=order)  # otherwise not ours, or already moved on (a late or repeated event)


@subscribe("accounts.CustomerEmailVerified.v1")
def give_guest_orders(envelope: dict) -> None:
    """A guest who signs up and verifies the address sees the orders placed with it."""
    try:
        account = account_get(account_id=envelope["data"]["customer_id"])
    except LookupError:  # deleted since: nobody to give them to
        return
    claimed = services.orders_claim_guest(customer_id=account.id, email=account.email)
    logger.info("orders_guest_claimed", customer_id=account.id, orders=claimed)


@subscribe("accounts.CustomerDeleted.v1")
def erase_customer(envelope: dict) -> None:
    services.orders_erase_customer(customer_id=envelope["data"]["customer_id"])
