from django.urls import path

from apps.checkout.api import views

urlpatterns = [
    path("checkouts", views.CheckoutCreateView.as_view(), name="checkouts"),
    path("checkouts/<uuid:checkout_id>", views.CheckoutDetailView.as_view(), name="checkout-detail"),
    path("checkouts/<uuid:checkout_id>/lines", views.CheckoutLinesView.as_view(), name="checkout-lines"),
    path(
        "checkouts/<uuid:checkout_id>/lines/<str:sku>", views.CheckoutLineView.as_view(), name="checkout-line"
    ),
    path(
        "checkouts/<uuid:checkout_id>/shipping-methods",
        views.CheckoutShippingMethodsView.as_view(),
        name="checkout-shipping-methods",
    ),
    path(
        "checkouts/<uuid:checkout_id>/shipping-method",
        views.CheckoutShippingMethodView.as_view(),
        name="checkout-shipping-method",
    ),
    path(
        "checkouts/<uuid:checkout_id>/voucher", views.CheckoutVoucherView.as_view(), name="checkout-voucher"
    ),
    path(
        "checkouts/<uuid:checkout_id>/complete",
        views.CheckoutCompleteView.as_view(),
        name="checkout-complete",
    ),
]
