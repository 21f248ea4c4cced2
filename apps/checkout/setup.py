"""Shop setup from code (the demo shop, an import script). Each function creates what is missing
and leaves alone what is there, so staff edits survive a rerun; bad values raise ValidationError."""

from decimal import Decimal

from django.db import transaction

from apps.checkout.contracts import ShippingMethodSpec
from apps.checkout.models import ShippingMethod, ShippingWeightBand, ShippingZone, TaxRate, Voucher


@transaction.atomic
def shipping_zone_ensure(*, name: str, countries: list[str], methods: list[ShippingMethodSpec]) -> bool:
    """Create the zone with its methods unless a zone of that name exists; True if created."""
    if ShippingZone.objects.filter(name=name).exists():
        return False
    zone = _saved(ShippingZone(name=name, countries=[c.upper() for c in countries]))
    for position, spec in enumerate(methods):
        method = _saved(
            ShippingMethod(
                zone=zone, name=spec.name, rule=spec.rule, price=spec.price, free_over=spec.free_over,
                delivery_time=spec.delivery_time, position=position,
            )
        )  # fmt: skip
        for max_weight_grams, price in spec.weight_bands:
            _saved(ShippingWeightBand(method=method, max_weight_grams=max_weight_grams, price=price))
    return True


def tax_rate_ensure(*, country: str, rate: Decimal, tax_class: str = "") -> bool:
    """The country's rate for a tax class ("": its standard rate) unless one is set; True if created."""
    if TaxRate.objects.filter(country=country.upper(), tax_class=tax_class).exists():
        return False
    _saved(TaxRate(country=country.upper(), tax_class=tax_class, rate=rate))
    return True


def voucher_ensure(
    *,
    code: str,
    percentage: Decimal | None = None,
    amount: int | None = None,
    min_subtotal: int = 0,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
) -> bool:
    """A percentage or fixed-amount voucher unless the code exists; True if created."""
    if Voucher.objects.filter(code=code.upper()).exists():
        return False
    _saved(
        Voucher(
            code=code.upper(), kind="percentage" if percentage is not None else "fixed",
            percentage=percentage, amount=amount, min_subtotal=min_subtotal,
            usage_limit=usage_limit, per_customer_limit=per_customer_limit,
        )
    )  # fmt: skip
    return True


def _saved(row):
    row.full_clean()  # field choices and the models' constraints, before the database sees them
    row.save()
    return row
