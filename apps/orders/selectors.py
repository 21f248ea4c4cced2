"""Order reads."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.orders.models import Order, OrderStatus

CAPTURE_FAILED = "capture_failed"  # the order's payment_status after payments.PaymentCaptureFailed
STUCK_AFTER = timedelta(minutes=30)  # an immediate capture normally takes seconds


def orders_visible_to(user) -> QuerySet[Order]:
    """Staff who may view orders see all of them; a customer sees only their own."""
    orders = Order.objects.prefetch_related("lines")
    return orders if user.has_perm("orders.view_order") else orders.filter(customer_id=user.pk)


def order_visible_to(user, order_id) -> Order | None:
    """None for an order the user may not see as well as for one that does not exist: a customer
    probing another's order id learns nothing (404, not 403)."""
    return orders_visible_to(user).filter(pk=order_id).first()


def orders_to_fulfil(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Paid orders waiting to ship; with capture on shipment, authorized placed ones too."""
    waiting = Q(status=OrderStatus.PAID)
    if settings.ORDERS_CAPTURE_POLICY == "on_shipment":
        waiting |= Q(status=OrderStatus.PLACED, payment_status="authorized")
    return orders.filter(waiting)


def orders_capture_failed(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.filter(status=OrderStatus.PLACED, payment_status=CAPTURE_FAILED)


def orders_stuck(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Placed under immediate capture and still not captured (nor refused) after STUCK_AFTER: the
    capture handler is failing or dead-lettered."""
    if settings.ORDERS_CAPTURE_POLICY != "immediate":
        return orders.none()
    return orders.filter(
        status=OrderStatus.PLACED, payment_status="authorized", created_at__lt=timezone.now() - STUCK_AFTER
    )
