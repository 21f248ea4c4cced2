"""The back office for checkout: shipping zones and methods, tax rates, vouchers (the
merchandising role), and checkouts to look at (read only)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from apps.checkout.addresses import is_country
from apps.checkout.models import (
    Checkout,
    CheckoutLine,
    ShippingMethod,
    ShippingWeightBand,
    ShippingZone,
    TaxRate,
    Voucher,
    VoucherRedemption,
)
from apps.common.admin import MajorUnitsField, ReadOnlyAdmin, ReadOnlyInline
from apps.common.money import Money


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code (upper case) or ValidationError."""
    code = value.strip().upper()
    if not is_country(code):
        raise forms.ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
    return code


class ZoneForm(forms.ModelForm):
    countries = forms.CharField(help_text="ISO 3166-1 alpha-2 codes separated by commas, e.g. DE, AT, FR.")

    class Meta:
        model = ShippingZone
        fields = ["name", "countries"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["countries"] = ", ".join(self.instance.countries)

    def clean_countries(self) -> list[str]:
        codes = [country_code(part) for part in self.cleaned_data["countries"].split(",") if part.strip()]
        if not codes:
            raise forms.ValidationError("Name at least one country.")
        return sorted(set(codes))


def _currency() -> str:
    return settings.CHECKOUT_CURRENCY


class MethodForm(forms.ModelForm):
    price = MajorUnitsField(
        currency=_currency, required=False, help_text="The flat price, or the price below the threshold."
    )
    free_over = MajorUnitsField(
        currency=_currency, required=False, help_text="Free when the subtotal after discount reaches this."
    )

    class Meta:
        model = ShippingMethod
        fields = ["zone", "name", "rule", "price", "free_over", "delivery_time", "active", "position"]

    def clean_price(self) -> int:
        return self.cleaned_data["price"] or 0  # blank: free (a weight method's price is its bands')


def untaxed(countries) -> list[str]:
    """Those countries with no standard tax rate: a checkout to them cannot complete."""
    taxed = set(TaxRate.objects.filter(tax_class="").values_list("country", flat=True))
    return [country for country in countries if country not in taxed]


class MethodInline(admin.TabularInline):
    model = ShippingMethod
    form = MethodForm
    extra = 0
    fields = ["name", "rule", "price", "free_over", "delivery_time", "active", "position"]
    show_change_link = True


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    form = ZoneForm
    list_display = ["name", "country_list", "untaxed_list"]
    search_fields = ["name"]
    inlines = [MethodInline]

    @admin.display(description="countries")
    def country_list(self, zone: ShippingZone) -> str:
        return ", ".join(zone.countries)

    @admin.display(description="no tax rate (checkouts refused)")
    def untaxed_list(self, zone: ShippingZone) -> str:
        return ", ".join(self.countries_without_tax_rate(zone)) or "—"

    def countries_without_tax_rate(self, zone: ShippingZone) -> list[str]:
        return untaxed(zone.countries)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if untaxed := self.countries_without_tax_rate(obj):
            self.message_user(
                request,
                f"{obj.name} ships to {', '.join(untaxed)} without a tax rate: checkouts to them are "
                "refused until one is set (a 0 % rate, e.g. for exports, counts).",
                messages.WARNING,
            )


class WeightBandForm(forms.ModelForm):
    price = MajorUnitsField(currency=_currency)

    class Meta:
        model = ShippingWeightBand
        fields = ["max_weight_grams", "price"]


class WeightBandInline(admin.TabularInline):
    model = ShippingWeightBand
    form = WeightBandForm
    extra = 1
    fields = ["max_weight_grams", "price"]


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    form = MethodForm
    list_display = ["name", "zone", "rule", "price_display", "delivery_time", "active"]
    list_filter = ["zone", "rule", "active"]
    search_fields = ["name"]
    inlines = [WeightBandInline]

    @admin.display(description="price", ordering="price")
    def price_display(self, method: ShippingMethod) -> str:
        return "by weight" if method.rule == "weight" else str(Money(method.price, _currency()))


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["country", "tax_class", "rate"]

    def clean_country(self) -> str:
        return country_code(self.cleaned_data["country"])


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    form = TaxRateForm
    list_display = ["country", "tax_class_display", "rate"]
    list_filter = ["country"]
    search_fields = ["country", "tax_class"]

    @admin.display(description="tax class", ordering="tax_class")
    def tax_class_display(self, rate: TaxRate) -> str:
        return rate.tax_class or "standard (all others)"

    def changelist_view(self, request, extra_context=None):
        shipped_to = sorted({c for zone in ShippingZone.objects.all() for c in zone.countries})
        if missing := untaxed(shipped_to):
            self.message_user(
                request,
                f"The shipping zones include {', '.join(missing)} without a standard tax rate: "
                "checkouts to them are refused until one is set.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


class VoucherForm(forms.ModelForm):
    amount = MajorUnitsField(currency=_currency, required=False, help_text="A fixed voucher's value.")
    min_subtotal = MajorUnitsField(
        currency=_currency, required=False, help_text="The subtotal it needs; empty or 0 for none."
    )

    class Meta:
        model = Voucher
        fields = [
            "code",
            "kind",
            "percentage",
            "amount",
            "min_subtotal",
            "starts_at",
            "ends_at",
            "usage_limit",
            "per_customer_limit",
            "active",
        ]

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "percentage" and not data.get("percentage"):
            self.add_error("percentage", "A percentage voucher needs a percentage (0 < p ≤ 100).")
        if kind == "percentage":
            data["amount"] = None
        if kind == "fixed" and not data.get("amount"):
            self.add_error("amount", "A fixed voucher needs an amount above 0.")
        if kind == "fixed":
            data["percentage"] = None
        data["min_subtotal"] = data.get("min_subtotal") or 0
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "Must be after the start.")
        return data


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    form = VoucherForm
    list_display = ["code", "kind", "value", "minimum", "starts_at", "ends_at", "usage", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["=code"]
    readonly_fields = ["used_count"]

    @admin.display(description="value")
    def value(self, voucher: Voucher) -> str:
        if voucher.kind == "percentage":
            return f"{voucher.percentage} %"
        return str(Money(voucher.amount, _currency()))

    @admin.display(description="min subtotal", ordering="min_subtotal")
    def minimum(self, voucher: Voucher) -> str:
        return str(Money(voucher.min_subtotal, _currency()))

    @admin.display(description="used")
    def usage(self, voucher: Voucher) -> str:
        return f"{voucher.used_count} / {voucher.usage_limit if voucher.usage_limit is not None else '∞'}"


class CheckoutLineInline(ReadOnlyInline):
    model = CheckoutLine
    fields = ["sku", "quantity", "created_at"]
    readonly_fields = fields
    parent_permission = "checkout.view_checkout"


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "email", "status", "voucher_code", "order_number", "updated_at", "expires_at"]
    list_filter = ["status", "updated_at"]
    search_fields = ["=id", "email", "=order_number", "=voucher_code"]
    show_full_result_count = False
    inlines = [CheckoutLineInline]
    exclude = ["guest_token_hash", "claim_token"]


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "order_id", "customer_key", "discount_amount", "created_at"]
    list_filter = ["voucher"]
    search_fields = ["=order_id", "voucher__code"]
