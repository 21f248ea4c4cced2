import json
from pathlib import Path

from apps.catalog import public as catalog
from apps.catalog.contracts import ProductDraft, VariantInput

PRODUCTS_FILE = Path(__file__).resolve().parent / "products.json"


def demo_products_load() -> int:
    """Load the demo products into an empty catalog (never over sales and staff edits a kept
    embedded catalog holds); returns how many products the catalog holds."""
    if catalog.product_count() == 0:
        for row in json.loads(PRODUCTS_FILE.read_text()):
            # Each demo SKU is a product of one variant, so the storefront listing shows them.
            variant = VariantInput(
                row["sku"], row["price_amount"], row["currency"], {}, on_hand=row["on_hand"]
            )
            catalog.product_create(
                draft=ProductDraft(
                    slug=row["sku"].lower(), name=row["name"], category=row["category"],
                    description=row.get("description", ""), variants=(variant,),
                )
            )  # fmt: skip
    return catalog.product_count()
