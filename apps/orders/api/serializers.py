from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from apps.common.addresses import AddressInvalid, address_checked
from apps.common.serializers import MoneyField, MoneySerializer, money
from apps.orders.models import Order, OrderLine
from apps.orders.transitions import actions_for
from apps.payments.public import PaymentInputSerializer, refunds_of


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

    def validate(self, attrs: dict) -> dict:
        # The checkout's and the address book's check (postal code in the country's format).
        try:
            return address_checked(attrs)
        except AddressInvalid as exc:
            raise serializers.ValidationError({exc.field: [ErrorDetail(exc.detail, code=exc.code)]}) from None


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


@extend_schema_serializer(deprecate_fields=["unit_price", "line_total"])  # integers: use price, total
class OrderLineSerializer(serializers.ModelSerializer):
    price = MoneyField(source="unit_price", currency="order.currency", help_text="The unit price.")
    total = MoneyField(
        source="line_total", currency="order.currency", help_text="price x quantity, before the discount."
    )
    discount = serializers.SerializerMethodField(help_text="This line's share of the voucher discount.")
    tax = serializers.SerializerMethodField(help_text="Tax on the discounted line total, rounded half-up.")

    class Meta:
        model = OrderLine
        fields = ["sku", "name", "unit_price", "quantity", "line_total", "price", "total", "discount", "tax"]

    @extend_schema_field(MoneySerializer)
    def get_discount(self, line: OrderLine) -> dict:
        return money(line.discount_amount, line.order.currency)

    @extend_schema_field(MoneySerializer)
    def get_tax(self, line: OrderLine) -> dict:
        return money(line.tax_amount, line.order.currency)

    def to_representation(self, line: OrderLine) -> dict:
        return line_body(line, line.order.currency)


def line_body(line: OrderLine, currency: str) -> dict:
    """OrderLineSerializer's answer, written out (see OrderSerializer.to_representation)."""
    return {
        "sku": line.sku,
        "name": line.name,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "line_total": line.line_total,
        "price": money(line.unit_price, currency),
        "total": money(line.line_total, currency),
        "discount": money(line.discount_amount, currency),
        "tax": money(line.tax_amount, currency),
    }


ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postal_code", "country", "phone")
_OPTIONAL_ADDRESS_FIELDS = frozenset({"line2", "phone"})  # AddressSerializer's defaults: ""


def address_body(address: dict | None) -> dict | None:
    """AddressSerializer's answer for a stored address: its fields only, in its order."""
    if address is None:
        return None
    return {
        field: str(address.get(field, "")) if field in _OPTIONAL_ADDRESS_FIELDS else str(address[field])
        for field in ADDRESS_FIELDS
    }


def _timestamp(value) -> str:
    # DRF's DateTimeField: ISO 8601 in the current time zone, UTC written as Z.
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class OrderTotalsSerializer(serializers.Serializer):
    """The parts of the order's total as at placement. total = subtotal - discount + shipping
    (+ tax when prices are net)."""

    subtotal = MoneySerializer()
    shipping = MoneySerializer()
    discount = MoneySerializer()
    tax = MoneySerializer(help_text="Included in the prices when prices_include_tax, else added.")
    total = MoneySerializer()
    prices_include_tax = serializers.BooleanField()


REFUNDED_STATUSES = ("partially_refunded", "refunded")


@extend_schema_serializer(deprecate_fields=["amount"])  # an integer: use refunded
class OrderRefundSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units, in the order's currency.")
    refunded = MoneySerializer()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(deprecate_fields=["total_amount", "amount_refunded"])  # use totals.total, refunded
class OrderSerializer(serializers.ModelSerializer):
    """Needs `request` in its context (what the caller may do); `refunds` (by payment id) may be
    given by a list view, to read them in one query for the page."""

    lines = OrderLineSerializer(many=True, read_only=True)
    shipping_address = AddressSerializer(read_only=True)
    billing_address = AddressSerializer(read_only=True, allow_null=True, help_text="null: same as shipping.")
    totals = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do to the order next (its status and the caller's rights)."
    )
    amount_refunded = serializers.SerializerMethodField(help_text="Refunded so far, minor units.")
    refunded = serializers.SerializerMethodField(help_text="Refunded so far.")
    refunds = serializers.SerializerMethodField(help_text="Every refund, partial or full, oldest first.")

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
            "amount_refunded",
            "refunded",
            "refunds",
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

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(["ship", "deliver", "cancel"])))
    def get_allowed_actions(self, order: Order) -> list[str]:
        return actions_for(order, self.context["request"].user)

    @extend_schema_field(serializers.IntegerField())
    def get_amount_refunded(self, order: Order) -> int:
        return sum(r.amount for r in self._refunds(order))

    @extend_schema_field(MoneySerializer)
    def get_refunded(self, order: Order) -> dict:
        return money(self.get_amount_refunded(order), order.currency)

    @extend_schema_field(OrderRefundSerializer(many=True))
    def get_refunds(self, order: Order) -> list[dict]:
        return [
            {"amount": r.amount, "refunded": money(r.amount, order.currency), "created_at": r.created_at}
            for r in self._refunds(order)
        ]

    def to_representation(self, order: Order) -> dict:
        """The declared fields above, written out: DRF builds and copies every field of a
        ModelSerializer per instance, which cost more than the rest of a placement's Python
        (bench/README.md). The declarations stay for the schema; a test holds the two equal."""
        currency = order.currency
        return {
            "id": str(order.pk),
            "number": order.number,
            "status": order.status,
            "allowed_actions": self.get_allowed_actions(order),
            "currency": currency,
            "total_amount": order.total_amount,
            "totals": self.get_totals(order),
            "shipping_method": order.shipping_method,
            "voucher_code": order.voucher_code,
            "amount_refunded": self.get_amount_refunded(order),
            "refunded": self.get_refunded(order),
            "refunds": self.get_refunds(order),
            "item_count": order.item_count,
            "lines": [line_body(line, currency) for line in order.lines.all()],
            "shipping_address": address_body(order.shipping_address),
            "billing_address": address_body(order.billing_address),
            "payment_id": None if order.payment_id is None else str(order.payment_id),
            "payment_provider": order.payment_provider,
            "carrier": order.carrier,
            "tracking_number": order.tracking_number,
            "version": order.version,
            "created_at": _timestamp(order.created_at),
            "updated_at": _timestamp(order.updated_at),
        }

    def _refunds(self, order: Order) -> list:
        # Only an order whose payment copy says refunded has refunds: no query for the others
        # (placement keeps its statement budget). The copy follows the payment's events.
        if order.payment_id is None or order.payment_status not in REFUNDED_STATUSES:
            return []
        key = str(order.payment_id)
        known = self.context.setdefault("refunds", {})
        if key not in known:
            known.update(refunds_of(payment_ids=[key]))
        return known[key]


class OrderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (older orders), or null.")
    previous = serializers.URLField(allow_null=True)
    results = OrderSerializer(many=True)
