"""The catalog module's public surface: the only catalog code other modules may import."""

from django.utils import timezone

from apps.catalog.contracts import ProductInput, ProductSummary
from apps.catalog.documents import Product
from apps.common.money import Money


def product_upsert(*, product: ProductInput) -> ProductSummary:
    """Create the product, or overwrite its descriptive fields, price and stock on hand."""
    Money(product.price_amount, product.currency)  # validates amount type and currency
    now = timezone.now()
    Product.objects(sku=product.sku).update_one(
        upsert=True,
        set__name=product.name,
        set__description=product.description,
        set__category=product.category,
        set__price_amount=product.price_amount,
        set__currency=product.currency,
        set__stock_on_hand=product.stock_on_hand,
        set__updated_at=now,
        set_on_insert__created_at=now,
        set_on_insert__stock_reserved=0,
        set_on_insert__active=True,
        inc__version=1,
    )
    return _summary(Product.objects.get(sku=product.sku))


def product_count() -> int:
    return Product.objects.count()


def _summary(product: Product) -> ProductSummary:
    return ProductSummary(
        sku=product.sku,
        name=product.name,
        price_amount=product.price_amount,
        currency=product.currency,
        available=product.stock_on_hand - product.stock_reserved,
    )
