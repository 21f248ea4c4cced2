import json
from pathlib import Path

from apps.catalog import public as catalog
from apps.catalog.contracts import ProductInput

PRODUCTS_FILE = Path(__file__).resolve().parent / "products.json"


def demo_products_load() -> int:
    """Load the demo products into an empty catalog (never over sales and staff edits a kept
    embedded catalog holds); returns how many products the catalog holds."""
    if catalog.product_count() == 0:
        for row in json.loads(PRODUCTS_FILE.read_text()):
            catalog.product_upsert(product=ProductInput(**row))
    return catalog.product_count()
