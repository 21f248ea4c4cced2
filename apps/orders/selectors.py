"""Order reads."""

from django.db.models import QuerySet

from apps.orders.models import Order


def orders_visible_to(user) -> QuerySet[Order]:
    """Staff who may view orders see all of them; a customer sees only their own."""
    orders = Order.objects.prefetch_related("lines")
    return orders if user.has_perm("orders.view_order") else orders.filter(customer_id=user.pk)


def order_visible_to(user, order_id) -> Order | None:
    """None for an order the user may not see as well as for one that does not exist: a customer
    probing another's order id learns nothing (404, not 403)."""
    return orders_visible_to(user).filter(pk=order_id).first()
