"""Catalog writes. MongoDB writes cannot share PostgreSQL's transaction, so each write is made
idempotent first and its event is written to the outbox right after it succeeds: a crash in
between loses that one event (the write itself stands); it never publishes an event for a write
that did not happen."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog import cache
from apps.catalog.contracts import ProductInput
from apps.catalog.documents import Product
from apps.catalog.signals import product_price_changed, stock_low
from apps.common.money import Money


def product_upsert(*, product: ProductInput) -> Product:
    """Create the product, or overwrite its description, category, price and stock on hand."""
    Money(product.price_amount, product.currency)  # validates amount type and currency
    if product.on_hand < 0:
        raise ValueError("on_hand must be >= 0")
    now = timezone.now()
    before = Product.objects(sku=product.sku).only("price_amount", "currency", "reserved").first()
    reserved = before.reserved if before else 0
    if product.on_hand < reserved:
        raise ValueError(f"on_hand {product.on_hand} is below the {reserved} units reserved")
    Product.objects(sku=product.sku).update_one(
        upsert=True,
        set__name=product.name,
        set__description=product.description,
        set__category=product.category,
        set__price_amount=product.price_amount,
        set__currency=product.currency,
        set__on_hand=product.on_hand,
        set__available=product.on_hand - reserved,
        set__updated_at=now,
        set_on_insert__created_at=now,
        set_on_insert__reserved=0,
        set_on_insert__active=True,
        inc__version=1,
    )
    saved = Product.objects.get(sku=product.sku)
    cache.invalidate([product.sku])
    if before and (before.price_amount, before.currency) != (saved.price_amount, saved.currency):
        _announce_price(saved, old_amount=before.price_amount)
    return saved


def announce_if_low(product: Product) -> None:
    """StockLow when a change leaves availability at or under the threshold (setting)."""
    if product.available <= settings.CATALOG_STOCK_LOW_THRESHOLD:
        with transaction.atomic():
            stock_low.send(
                sender=Product,
                subject=product.sku,
                aggregate_version=product.version,
                data={
                    "sku": product.sku,
                    "available": product.available,
                    "threshold": settings.CATALOG_STOCK_LOW_THRESHOLD,
                },
            )


def _announce_price(product: Product, *, old_amount: int) -> None:
    with transaction.atomic():
        product_price_changed.send(
            sender=Product,
            subject=product.sku,
            aggregate_version=product.version,
            data={
                "sku": product.sku,
                "old_price": {"amount": old_amount, "currency": product.currency},
                "new_price": {"amount": product.price_amount, "currency": product.currency},
            },
        )
