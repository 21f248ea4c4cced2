"""A shop to check out in: zones, methods, tax rates and products with weights and tax classes."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from apps.catalog import cache as catalog_cache
from apps.catalog.documents import Variant
from apps.checkout.models import ShippingMethod, ShippingWeightBand, ShippingZone, TaxRate, Voucher
from tests.factories.catalog import ProductFactory

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


class _VariantExtras(dict):
    """Writes each SKU's weight and tax class onto its variant, where the catalog keeps them."""

    def __setitem__(self, sku: str, extras: tuple[int, str]) -> None:
        super().__setitem__(sku, extras)
        weight, tax_class = extras
        Variant.objects(sku=sku).update_one(set__weight_grams=weight, set__tax_class=tax_class)
        cache.delete(catalog_cache.detail_key(sku))


@pytest.fixture
def product_extras() -> dict[str, tuple[int, str]]:
    """Weight and tax class per SKU on the catalog's variants: `product_extras["MUG"] = (350, "standard")`."""
    return _VariantExtras()


@pytest.fixture
def shop(product_extras):
    """Germany: 19 % standard, 7 % for books. Shipping by weight (DHL), or flat express."""
    eu = ShippingZone.objects.create(name="Germany and Austria", countries=["AT", "DE"])
    dhl = ShippingMethod.objects.create(
        zone=eu, name="DHL Paket", rule="weight", delivery_time="2-3 working days", position=0
    )
    ShippingWeightBand.objects.create(method=dhl, max_weight_grams=1000, price=490)
    ShippingWeightBand.objects.create(method=dhl, max_weight_grams=5000, price=690)
    express = ShippingMethod.objects.create(
        zone=eu, name="Express", rule="flat", price=1290, delivery_time="next working day", position=1
    )
    TaxRate.objects.create(country="DE", tax_class="", rate=Decimal("19.00"))
    TaxRate.objects.create(country="DE", tax_class="books", rate=Decimal("7.00"))
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1190, on_hand=20)
    ProductFactory(sku="BOOK", name="A book", price_amount=2000, on_hand=20)
    product_extras["MUG"] = (350, "standard")
    product_extras["BOOK"] = (800, "books")
    return {"dhl": dhl, "express": express, "zone": eu}


@pytest.fixture
def one_use_voucher():
    return Voucher.objects.create(code="ONCE", kind="percentage", percentage=Decimal("10"), usage_limit=1)
