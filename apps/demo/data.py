import json
from pathlib import Path

from apps.catalog import public as catalog
from apps.catalog.contracts import ProductInput

PRODUCTS_FILE = Path(__file__).resolve().parent / "products.json"


def demo_products_load() -> int:
    """Upsert the demo products; returns how many the catalog now holds."""
    for row in json.loads(PRODUCTS_FILE.read_text()):
        catalog.product_upsert(product=ProductInput(**row))
    return catalog.product_count()
