from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import MoneySerializer, money
from apps.orders.models import Order, OrderLine
from apps.orders.transitions import allowed_actions
from apps.payments.public import PaymentInputSerializer


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


class OrderCreateSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=settings.ORDERS_MAX_LINES)
    shipping_address = AddressSerializer()
    payment = PaymentInputSerializer()

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
    discount = serializers.SerializerMethodField(help_text="This line's share of the voucher discount.")
    tax = serializers.SerializerMethodField(help_text="Tax on the discounted line total, rounded half-up.")

    class Meta:
        model = OrderLine
        fields = ["sku", "name", "unit_price", "quantity", "line_total", "discount", "tax"]

    @extend_schema_field(MoneySerializer)
    def get_discount(self, line: OrderLine) -> dict:
        return money(line.discount_amount, line.order.currency)

    @extend_schema_field(MoneySerializer)
    def get_tax(self, line: OrderLine) -> dict:
        return money(line.tax_amount, line.order.currency)


class OrderTotalsSerializer(serializers.Serializer):
    """The parts of the order's total as at placement. total = subtotal - discount + shipping
    (+ tax when prices are net)."""

    subtotal = MoneySerializer()
    shipping = MoneySerializer()
    discount = MoneySerializer()
    tax = MoneySerializer(help_text="Included in the prices when prices_include_tax, else added.")
    total = MoneySerializer()
    prices_include_tax = serializers.BooleanField()


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    shipping_address = AddressSerializer(read_only=True)
    billing_address = AddressSerializer(read_only=True, allow_null=True, help_text="null: same as shipping.")
    totals = serializers.SerializerMethodField()
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
            "totals",
            "shipping_method",
            "voucher_code",
            "item_count",
            "lines",
            "shipping_address",
            "billing_address",
            "payment_id",
            "payment_provider",
            "carrier",
            "tracking_number",
            "version",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OrderTotalsSerializer)
    def get_totals(self, order: Order) -> dict:
        currency = order.currency
        subtotal = order.total_amount if order.subtotal_amount is None else order.subtotal_amount
        return {
            "subtotal": money(subtotal, currency),
            "shipping": money(order.shipping_amount, currency),
            "discount": money(order.discount_amount, currency),
            "tax": money(order.tax_amount, currency),
            "total": money(order.total_amount, currency),
            "prices_include_tax": order.prices_include_tax,
        }

    def get_allowed_actions(self, order: Order) -> list[str]:
        return [a for a in allowed_actions(order.status) if a in ("cancel", "ship", "deliver")]


class OrderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (older orders), or null.")
    previous = serializers.URLField(allow_null=True)
    results = OrderSerializer(many=True)
