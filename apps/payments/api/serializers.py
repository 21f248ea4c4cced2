from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.common.serializers import MoneyField
from apps.payments.models import Payment, Refund
from apps.payments.providers import enabled_providers


class CaptureSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Minor units; default the whole authorized amount. The rest is released.",
    )


class RefundCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1, help_text="Minor units, at most what is captured and not yet refunded."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_serializer(deprecate_fields=["amount"])  # an integer: use refunded
class RefundSerializer(serializers.ModelSerializer):
    refunded = MoneyField(source="amount", currency="payment.currency")

    class Meta:
        model = Refund
        fields = ["amount", "refunded", "reason", "created_at"]


# The integers are v1's first shape; each has its Money beside it (README, API conventions).
@extend_schema_serializer(
    deprecate_fields=["amount", "amount_authorized", "amount_captured", "amount_refunded"]
)
class PaymentSerializer(serializers.ModelSerializer):
    refunds = RefundSerializer(many=True, read_only=True)
    requested = MoneyField(source="amount", help_text="What the order asked for.")
    authorized = MoneyField(source="amount_authorized")
    captured = MoneyField(source="amount_captured")
    refunded = MoneyField(source="amount_refunded")

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "provider",
            "status",
            "currency",
            "amount",
            "amount_authorized",
            "amount_captured",
            "amount_refunded",
            "requested",
            "authorized",
            "captured",
            "refunded",
            "refunds",
            "failure_code",
            "failure_message",
            "version",
            "created_at",
            "updated_at",
        ]


class WebhookAckSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="False for a duplicate, an ignored type, or older news.")
    parked = serializers.BooleanField(
        help_text="True when the callback was signed but unreadable: kept for staff, not applied."
    )


class PaymentInputSerializer(serializers.Serializer):
    """How a client pays: an enabled provider and its payment method token (orders, checkout)."""

    provider = serializers.CharField(
        max_length=30, help_text="An enabled provider, e.g. `sandbox` or `stripe`."
    )
    method = serializers.CharField(
        max_length=255,
        help_text="The provider's payment method token, e.g. `pm_sandbox_ok` or `pm_...` from Stripe.js.",
    )

    def validate_provider(self, value: str) -> str:
        if value not in enabled_providers():
            raise serializers.ValidationError(
                f"Unknown payment provider {value!r}; use one of: {', '.join(enabled_providers())}.",
                code="unknown_provider",
            )
        return value
