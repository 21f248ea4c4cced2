"""The catalog module's public surface: the only catalog code other modules may import."""

from django.conf import settings

from apps.catalog import categories, products, selectors, services
from apps.catalog.contracts import ProductDraft, ProductInput, ProductPrice
from apps.catalog.reservations import stock_commit, stock_release, stock_reserve

__all__ = [
    "category_save",
    "prices_for",
    "product_create",
    "product_upsert",
    "sku_count",
    "skus_low_on_stock_count",
    "stock_commit",
    "stock_release",
    "stock_reserve",
]


def prices_for(*, skus: list[str]) -> dict[str, ProductPrice]:
    """Current price and availability of each known SKU (unknown ones are absent), as stored
    now: one MongoDB query for all of them."""
    return {
        sku: ProductPrice(
            sku=sku,
            name=doc["name"],
            price_amount=doc["price_amount"],
            currency=doc["currency"],
            active=doc.get("active", True),
            available=doc.get("available", 0),
            weight_grams=doc.get("weight_grams", 0),
            tax_class=doc.get("tax_class", "standard"),
        )
        for sku, doc in selectors.prices(skus=skus).items()
    }


def product_upsert(*, product: ProductInput) -> ProductPrice:
    """Create or update a product (demo data, imports)."""
    saved = services.product_upsert(product=product)
    return ProductPrice(
        saved.sku,
        saved.name,
        saved.price_amount,
        saved.currency,
        saved.active,
        saved.available,
        saved.weight_grams,
        saved.tax_class,
    )


def category_save(*, slug: str, name: str, parent: str | None = None, position: int = 0) -> None:
    """Create or move a category in the tree; raises CatalogInvalid naming the bad field."""
    categories.category_save(slug=slug, name=name, parent=parent, position=position)


def product_create(*, draft: ProductDraft) -> str:
    """A product with its variants, whole or not at all (CatalogInvalid names each bad field).
    Returns the product's slug."""
    return products.product_create(draft=draft).slug


def sku_count() -> int:
    """Sellable SKUs (variants) in the catalog."""
    return selectors.sku_count()


def skus_low_on_stock_count() -> int:
    """Active products with CATALOG_STOCK_LOW_THRESHOLD units or fewer available (back office home)."""
    return selectors.skus_low_on_stock_count(threshold=settings.CATALOG_STOCK_LOW_THRESHOLD)
