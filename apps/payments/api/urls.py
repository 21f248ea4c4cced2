from django.urls import path

from apps.payments.api.views import (
    PaymentCaptureView,
    PaymentDetailView,
    PaymentRefundView,
    ProviderWebhookView,
)

urlpatterns = [
    path("payments/<uuid:payment_id>", PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<uuid:payment_id>/capture", PaymentCaptureView.as_view(), name="payment-capture"),
    path("payments/<uuid:payment_id>/refunds", PaymentRefundView.as_view(), name="payment-refunds"),
    path("payments/webhooks/<slug:provider>", ProviderWebhookView.as_view(), name="payment-webhook"),
]
