from django.conf import settings
from rest_framework import serializers

from apps.checkout.models import CheckoutStatus
from apps.common.serializers import MoneySerializer
from apps.payments.public import PaymentInputSerializer


class CheckoutCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254,
        required=False,
        help_text="Required for guests; a customer's defaults to the account's.",
    )


class LineAddSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=settings.CHECKOUT_MAX_QUANTITY_PER_LINE)


class LineQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=settings.CHECKOUT_MAX_QUANTITY_PER_LINE)


class CheckoutAddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required where the country uses postal codes, in its format.",
    )
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        help_text="ISO 3166-1 alpha-2, e.g. DE.",
        error_messages={"invalid": "Use a two-letter ISO 3166-1 country code, e.g. DE."},
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="State, province or county, where used."
    )


class CheckoutUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    shipping_address = CheckoutAddressSerializer(
        required=False, help_text="The address itself; or give `shipping_address_id`."
    )
    shipping_address_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Customers: one of your saved addresses (`/accounts/me/addresses`), copied into the "
        "checkout (later edits of the address book do not change it).",
    )
    billing_address = CheckoutAddressSerializer(
        required=False, allow_null=True, help_text="null: bill to the shipping address."
    )
    billing_address_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Customers: a saved address to bill to, copied likewise."
    )

    def validate(self, attrs: dict) -> dict:
        for name in ("shipping_address", "billing_address"):
            if name in attrs and f"{name}_id" in attrs:
                raise serializers.ValidationError(
                    {name: [f"Give either {name} or {name}_id, not both."]}, code="invalid"
                )
        return attrs


class ShippingMethodChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="An id from GET /checkouts/{id}/shipping-methods.")


class VoucherApplySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50)


class CheckoutCompleteSerializer(serializers.Serializer):
    payment = PaymentInputSerializer()


# --- output ---------------------------------------------------------------------------


class CheckoutLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField(allow_null=True, help_text="null when the SKU is no longer sold.")
    quantity = serializers.IntegerField()
    unit_price = MoneySerializer(
        allow_null=True, help_text="The catalog's current price; once completed, the price charged."
    )
    line_total = MoneySerializer(allow_null=True, help_text="unit_price x quantity, before the discount.")
    discount = MoneySerializer(allow_null=True, help_text="This line's share of the voucher discount.")
    tax = MoneySerializer(allow_null=True, help_text="On the discounted line total, rounded half-up.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, help_text="Percent.")


class ShippingOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    delivery_time = serializers.CharField(help_text="e.g. '2-3 working days'; '' if not given.")
    price = MoneySerializer(help_text="For this checkout (its subtotal and weight).")


class CheckoutTotalsSerializer(serializers.Serializer):
    subtotal = MoneySerializer(help_text="Lines before the discount.")
    discount = MoneySerializer()
    shipping = MoneySerializer()
    tax = MoneySerializer(
        help_text="Lines' and shipping's tax: inside the prices or added, see prices_include_tax."
    )
    total = MoneySerializer(help_text="What completing charges.")
    prices_include_tax = serializers.BooleanField()


class CheckoutProblemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "out_of_stock",
            "price_changed",
            "unknown_sku",
            "not_for_sale",
            "currency_mismatch",
            "empty",
            "shipping_address_required",
            "no_shipping_method",
            "shipping_method_required",
            "shipping_method_unavailable",
            "voucher_invalid",
            "tax_rate_missing",
        ]
    )
    detail = serializers.CharField()
    pointer = serializers.CharField(help_text="JSON Pointer into this checkout, e.g. #/lines/0.")
    sku = serializers.CharField(required=False)
    available = serializers.IntegerField(required=False)
    previous = serializers.IntegerField(required=False, help_text="price_changed: the price last shown.")
    current = serializers.IntegerField(required=False, help_text="price_changed: the price now.")
    reason = serializers.CharField(required=False, help_text="voucher_invalid: why.")
    country = serializers.CharField(
        required=False, help_text="tax_rate_missing: the shipping country the shop has no tax rate for."
    )


class CheckoutOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.CharField(
        allow_null=True,
        help_text="The order's status now: placed, paid, shipped, delivered, cancelled, refunded.",
    )


class CheckoutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=CheckoutStatus.choices)
    guest = serializers.BooleanField(help_text="A guest's checkout (reached with its token, no account).")
    email = serializers.EmailField()
    currency = serializers.CharField()
    lines = CheckoutLineSerializer(many=True)
    shipping_address = CheckoutAddressSerializer(allow_null=True)
    billing_address = CheckoutAddressSerializer(allow_null=True, help_text="null: the shipping address.")
    shipping_method = ShippingOptionSerializer(allow_null=True)
    voucher_code = serializers.CharField(allow_null=True)
    weight_grams = serializers.IntegerField()
    totals = CheckoutTotalsSerializer()
    problems = CheckoutProblemSerializer(
        many=True,
        help_text="What blocks completion. price_changed is reported once, on the first read that "
        "shows the new price; completing after that read charges it. Empty once completed.",
    )
    ready = serializers.BooleanField(help_text="Nothing blocks completion (false once completed).")
    order = CheckoutOrderSerializer(
        allow_null=True,
        help_text="The order it became, once completed. From then on the checkout shows what was charged "
        "(lines, shipping, totals as placed), never re-priced; a guest's record of its order.",
    )
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="null once completed: a completed checkout stays with its order."
    )


class CheckoutCreatedSerializer(CheckoutSerializer):
    guest_token = serializers.CharField(
        allow_null=True, help_text="Guests only, shown once: send as `Authorization: Checkout <token>`."
    )
