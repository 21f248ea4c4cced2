from django.urls import path

from apps.orders.api.internal_views import InternalOrderContactView
from apps.orders.api.views import (
    OrderCancelView,
    OrderDeliverView,
    OrderDetailView,
    OrderListCreateView,
    OrderShipView,
)

urlpatterns = [
    path("orders", OrderListCreateView.as_view(), name="orders"),
    path("orders/<uuid:order_id>", OrderDetailView.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/cancel", OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/ship", OrderShipView.as_view(), name="order-ship"),
    path("orders/<uuid:order_id>/deliver", OrderDeliverView.as_view(), name="order-deliver"),
    path(
        "internal/orders/<uuid:order_id>/contact",
        InternalOrderContactView.as_view(),
        name="internal-order-contact",
    ),
]
