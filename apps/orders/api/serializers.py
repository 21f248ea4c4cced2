from django.conf import settings
from rest_framework import serializers

from apps.orders.models import Order, OrderLine
from apps.orders.transitions import allowed_actions
from apps.payments.public import enabled_providers


class LineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=settings.ORDERS_MAX_QUANTITY_PER_LINE)


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.RegexField(
        r"^[A-Z]{2}$",
        help_text="ISO 3166-1 alpha-2, e.g. DE.",
        error_messages={"invalid": "Use a two-letter ISO 3166-1 country code, e.g. DE."},
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class PaymentInputSerializer(serializers.Serializer):
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


class OrderCreateSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=settings.ORDERS_MAX_LINES)
    shipping_address = AddressSerializer(
        required=False, help_text="The address itself; or give `shipping_address_id`."
    )
    shipping_address_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One of your saved addresses (`/accounts/me/addresses`), instead of `shipping_address`.",
    )
    payment = PaymentInputSerializer()

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("shipping_address", "shipping_address_id") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"shipping_address": ["Give either shipping_address or shipping_address_id (one of them)."]},
                code="required" if not given else "invalid",
            )
        return attrs

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        seen: set[str] = set()
        errors = []
        for line in lines:
            duplicate = line["sku"] in seen
            seen.add(line["sku"])
            errors.append(
                {"sku": ["This SKU appears on an earlier line; give its total quantity once."]}
                if duplicate
                else {}
            )
        if any(errors):
            raise serializers.ValidationError(errors, code="duplicate_sku")
        return lines


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OrderShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.CharField(max_length=100)


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["sku", "name", "unit_price", "quantity", "line_total"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    shipping_address = AddressSerializer(read_only=True)
    allowed_actions = serializers.SerializerMethodField(help_text="What may happen to the order next.")

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "currency",
            "total_amount",
            "item_count",
            "lines",
            "shipping_address",
            "payment_id",
            "payment_provider",
            "carrier",
            "tracking_number",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_allowed_actions(self, order: Order) -> list[str]:
        return [a for a in allowed_actions(order.status) if a in ("cancel", "ship", "deliver")]


class OrderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (older orders), or null.")
    previous = serializers.URLField(allow_null=True)
    results = OrderSerializer(many=True)
