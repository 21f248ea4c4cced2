"""Catalog writes. MongoDB writes cannot share PostgreSQL's transaction, so each write is made
idempotent first and its event is written to the outbox right after it succeeds: a crash in
between loses that one event (the write itself stands); it never publishes an event for a write
that did not happen."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog import cache
from apps.catalog.contracts import ProductInput
from apps.catalog.documents import Product, StockAdjustment
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
    _announce_if_repriced(before, saved)
    return saved


def product_save(
    *,
    sku: str,
    name: str,
    description: str,
    category: str,
    price_amount: int,
    compare_at_amount: int | None,
    currency: str,
    active: bool,
    create: bool,
) -> Product:
    """Staff create or edit a product's description and price. Stock changes only through
    stock_adjust (audited) and reservations. Raises Product.DoesNotExist / NotUniqueError."""
    Money(price_amount, currency)
    fields = {
        "name": name, "description": description, "category": category, "price_amount": price_amount,
        "compare_at_amount": compare_at_amount, "currency": currency, "active": active,
    }  # fmt: skip
    if create:
        product = Product(sku=sku, on_hand=0, reserved=0, available=0, **fields)
        product.save(force_insert=True)
        before = None
    else:
        before = Product.objects.get(sku=sku)
        Product.objects(sku=sku).update_one(
            inc__version=1, set__updated_at=timezone.now(), **{f"set__{k}": v for k, v in fields.items()}
        )
        product = Product.objects.get(sku=sku)
    cache.invalidate([sku])
    _announce_if_repriced(before, product)
    return product


def announce_if_low(*, sku: str, available: int, version: int) -> None:
    """StockLow when a change leaves availability at or under the threshold (setting)."""
    if available <= settings.CATALOG_STOCK_LOW_THRESHOLD:
        with transaction.atomic():
            stock_low.send(
                sender=Product,
                subject=sku,
                aggregate_version=version,
                data={"sku": sku, "available": available, "threshold": settings.CATALOG_STOCK_LOW_THRESHOLD},
            )


def _announce_if_repriced(before: Product | None, product: Product) -> None:
    """ProductPriceChanged when an existing product's price (or currency) changed."""
    if before is None or (before.price_amount, before.currency) == (product.price_amount, product.currency):
        return
    old_amount = before.price_amount
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


class StockAdjustmentRefused(ValueError):
    """The adjustment would leave fewer units on hand than are reserved (or than zero)."""


def stock_adjust(*, sku: str, delta: int, reason: str, actor_id: int, actor_email: str) -> Product:
    """Staff count the shelf: add or remove units, with a reason, recorded in the audit trail.

    One conditional update: removing units needs that many available, so reserved units stay
    covered however many orders are reserving at the same moment.
    """
    if delta == 0 or not reason.strip():
        raise ValueError("an adjustment needs a non-zero delta and a reason")
    condition = {"sku": sku} if delta > 0 else {"sku": sku, "available": {"$gte": -delta}}
    moved = Product._get_collection().update_one(
        condition,
        {
            "$inc": {"on_hand": delta, "available": delta, "version": 1},
            "$set": {"updated_at": timezone.now()},
        },
    )
    if moved.modified_count != 1:
        raise StockAdjustmentRefused(f"cannot remove {-delta} units from {sku}: fewer are available")
    product = Product.objects.get(sku=sku)
    StockAdjustment(
        sku=sku,
        delta=delta,
        reason=reason.strip(),
        actor_id=actor_id,
        actor_email=actor_email,
        on_hand_after=product.on_hand,
    ).save()
    cache.invalidate([sku])
    announce_if_low(sku=product.sku, available=product.available, version=product.version)
    return product
