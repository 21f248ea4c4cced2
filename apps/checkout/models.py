import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CheckoutStatus(models.TextChoices):
    OPEN = "open"
    COMPLETING = "completing"  # claimed by one complete request; changes wait for its outcome
    COMPLETED = "completed"


class Checkout(models.Model):
    """A cart on its way to becoming an order: a customer's (customer_id) or a guest's (email and
    a token, stored hashed)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # None: a guest
    email = models.EmailField(max_length=254)
    guest_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)  # None: same as shipping
    shipping_method = models.ForeignKey(
        "ShippingMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voucher_code = models.CharField(max_length=50, blank=True, default="")
    # What the customer was last shown: completing at any other total is refused (409).
    quoted_total = models.BigIntegerField(null=True, blank=True)
    quoted_prices = models.JSONField(default=dict, blank=True)  # {sku: unit price last shown}
    claim_token = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    order_id = models.UUIDField(null=True, blank=True)  # orders.public, never a ForeignKey
    order_number = models.CharField(max_length=20, blank=True, default="")
    # What completion charged (lines, shipping, totals), written with the order: a completed
    # checkout reads from it, never re-priced from today's catalog, vouchers or rates.
    charged = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", order_id__isnull=False) | ~Q(status="completed"),
                name="checkout_completed_has_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Checkout {self.pk} ({self.email})"

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "sku"], name="checkout_line_sku_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="checkout_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class ShippingZone(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # ISO 3166-1 alpha-2 codes. A JSON list, not an ArrayField: the embedded default is SQLite,
    # and zones are few enough to match in Python.
    countries = models.JSONField(default=list, help_text="ISO 3166-1 alpha-2 codes, e.g. DE, AT.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShippingRule(models.TextChoices):
    FLAT = "flat", "Flat price"
    FREE_OVER = "free_over", "Free over a subtotal"
    WEIGHT = "weight", "By total weight"


class ShippingMethod(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100)
    rule = models.CharField(max_length=20, choices=ShippingRule.choices, default=ShippingRule.FLAT)
    price = models.BigIntegerField(
        default=0,
        help_text="Minor units of the shop currency: the flat price, or the price below the threshold.",
    )
    free_over = models.BigIntegerField(
        null=True, blank=True, help_text="Free when the subtotal after discount reaches this (minor units)."
    )
    delivery_time = models.CharField(
        max_length=100, blank=True, default="", help_text="e.g. 2-3 working days"
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="checkout_method_name_once_per_zone"),
            models.CheckConstraint(condition=Q(price__gte=0), name="checkout_method_price_not_negative"),
            models.CheckConstraint(
                condition=~Q(rule="free_over") | Q(free_over__isnull=False),
                name="checkout_method_free_over_has_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"


class ShippingWeightBand(models.Model):
    """Up to `max_weight_grams` (and above the next lighter band) the method costs `price`."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="weight_bands")
    max_weight_grams = models.PositiveIntegerField()
    price = models.BigIntegerField(help_text="Minor units of the shop currency.")

    class Meta:
        ordering = ["max_weight_grams"]
        constraints = [
            models.UniqueConstraint(fields=["method", "max_weight_grams"], name="checkout_band_once"),
            models.CheckConstraint(condition=Q(price__gte=0), name="checkout_band_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"≤ {self.max_weight_grams} g"


class TaxRate(models.Model):
    """A country's rate for one tax class, or (tax_class "") for every class without its own."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    tax_class = models.CharField(
        max_length=50, blank=True, default="", help_text="Empty: the country's standard rate."
    )
    rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, e.g. 19.00.")

    class Meta:
        ordering = ["country", "tax_class"]
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_class"], name="checkout_tax_rate_once"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="checkout_tax_rate_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.tax_class or 'standard'} {self.rate} %"


class VoucherKind(models.TextChoices):
    PERCENTAGE = "percentage"
    FIXED = "fixed", "Fixed amount"


class Voucher(models.Model):
    code = models.CharField(
        max_length=50, unique=True, help_text="Stored upper case; customers type any case."
    )
    kind = models.CharField(max_length=20, choices=VoucherKind.choices)
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True, help_text="Minor units of the shop currency.")
    min_subtotal = models.BigIntegerField(default=0, help_text="Minor units; 0 for none.")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="In total; empty for none.")
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty for none.")
    # Kept by conditional UPDATEs in the order's transaction; the constraint backs them.
    used_count = models.PositiveIntegerField(default=0, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=models.F("usage_limit")),
                name="checkout_voucher_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(kind="percentage", percentage__gt=0, percentage__lte=100, amount__isnull=True)
                | Q(kind="fixed", amount__gt=0, percentage__isnull=True),
                name="checkout_voucher_value_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherUse(models.Model):
    """How often one customer (account id, or a guest's email) used a voucher."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="uses")
    customer_key = models.CharField(max_length=300)  # "account:12" or "email:ada@example.com"
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voucher", "customer_key"], name="checkout_voucher_use_once"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} x{self.uses} by {self.customer_key}"


class VoucherRedemption(models.Model):
    """Which order got which discount (written with the order)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    order_id = models.UUIDField(unique=True)
    checkout_id = models.UUIDField()
    customer_key = models.CharField(max_length=300)
    discount_amount = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.voucher} on {self.order_id}"
