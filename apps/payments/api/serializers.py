from rest_framework import serializers

from apps.payments.models import Payment, Refund


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


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["amount", "reason", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    refunds = RefundSerializer(many=True, read_only=True)

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
