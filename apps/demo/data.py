import json
from decimal import Decimal
from pathlib import Path

from apps.catalog import public as catalog
from apps.catalog.contracts import ProductDraft, VariantInput
from apps.checkout import public as checkout
from apps.checkout.contracts import ShippingMethodSpec

PRODUCTS_FILE = Path(__file__).resolve().parent / "products.json"
SHOP_FILE = Path(__file__).resolve().parent / "shop.json"


def demo_products_load() -> int:
    """Load the demo category tree and products into an empty catalog (never over sales and
    staff edits a kept embedded catalog holds); returns how many SKUs the catalog holds."""
    if catalog.sku_count() == 0:
        for position, category in enumerate(_shop()["categories"]):
            _category_load(category, parent=None, position=position)
        for row in json.loads(PRODUCTS_FILE.read_text()):
            variants = tuple(VariantInput(**variant) for variant in row.pop("variants"))
            catalog.product_create(draft=ProductDraft(**row, variants=variants))
    return catalog.sku_count()


def demo_checkout_setup() -> list[str]:
    """Shipping zones, tax rates and vouchers, each only if missing; returns the voucher codes."""
    shop = _shop()
    for zone in shop["shipping_zones"]:
        methods = [
            ShippingMethodSpec(**{**m, "weight_bands": tuple(map(tuple, m.get("weight_bands", ())))})
            for m in zone["methods"]
        ]
        checkout.shipping_zone_ensure(name=zone["name"], countries=zone["countries"], methods=methods)
    for country, tax_class, rate in shop["tax_rates"]:
        checkout.tax_rate_ensure(country=country, tax_class=tax_class, rate=Decimal(rate))
    for voucher in shop["vouchers"]:
        if "percentage" in voucher:
            voucher = {**voucher, "percentage": Decimal(voucher["percentage"])}
        checkout.voucher_ensure(**voucher)
    return [voucher["code"] for voucher in shop["vouchers"]]


def _category_load(category: dict, parent: str | None, position: int) -> None:
    catalog.category_save(slug=category["slug"], name=category["name"], parent=parent, position=position)
    for child_position, child in enumerate(category.get("children", ())):
        _category_load(child, parent=category["slug"], position=child_position)


def _shop() -> dict:
    return json.loads(SHOP_FILE.read_text())
