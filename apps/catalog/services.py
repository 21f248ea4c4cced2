"""Catalog writes. MongoDB writes cannot share PostgreSQL's transaction: a write that causes an
event records it in the same MongoDB update (pending_events.py) and it reaches the outbox from
there, so a crash between the two loses nothing. Every write is conditional: stock counters
through stock.move_stock, product edits on the version they were made from (optimistic)."""

from django.utils import timezone
from mongoengine import NotUniqueError

from apps.catalog import cache, listing, pending_events, stock
from apps.catalog.contracts import CatalogInvalid, ProductInput
from apps.catalog.documents import StockAdjustment, Variant
from apps.catalog.event_data import PriceData, ProductPriceChangedData
from apps.common.money import Money

TAX_CLASSES = ("standard", "reduced", "zero")
UPSERT_ATTEMPTS = 50  # compare-and-swap retries; each lost round means a reservation succeeded


class ConcurrentUpdate(RuntimeError):
    """Someone else changed the product between its read and the conditional write."""


class StockAdjustmentRefused(ValueError):
    """The adjustment would leave fewer units on hand than are reserved (or than zero)."""


def product_upsert(*, product: ProductInput) -> Variant:
    """Create the product, or overwrite its description, category, price and stock on hand.

    Setting on_hand must keep `available = on_hand - reserved` while reservations move
    `reserved`: the write is conditional on the `reserved` it was computed from (compare and
    swap), retried when a reservation got in between. Never a read of `reserved` followed by a
    blind write of `available`."""
    Money(product.price_amount, product.currency)  # validates amount type and currency
    if product.on_hand < 0:
        raise ValueError("on_hand must be >= 0")
    collection = Variant._get_collection()
    fields = {
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "price_amount": product.price_amount,
        "currency": product.currency,
        "on_hand": product.on_hand,
    }
    events: list[dict] = []
    for _attempt in range(UPSERT_ATTEMPTS):
        now = timezone.now()
        before = collection.find_one({"sku": product.sku}, _EDIT_PROJECTION | {"reserved": True})
        if before is None:
            try:
                Variant(
                    sku=product.sku,
                    reserved=0,
                    available=product.on_hand,
                    created_at=now,
                    updated_at=now,
                    **fields,
                ).save(force_insert=True)
            except NotUniqueError:
                continue  # created meanwhile: update it as an existing product
            break
        reserved = before["reserved"]
        if product.on_hand < reserved:
            raise ValueError(f"on_hand {product.on_hand} is below the {reserved} units reserved")
        events = _price_events(
            product.sku, before, fields["price_amount"], fields["currency"], version=before["version"] + 1
        )
        swapped = collection.update_one(
            {"_id": before["_id"], "reserved": reserved, "edit_version": before.get("edit_version", 0)},
            {
                "$set": {**fields, "available": product.on_hand - reserved, "updated_at": now},
                "$inc": {"version": 1, "edit_version": 1},
                **_push(events),
            },
        )
        if swapped.matched_count == 1:
            break
    else:
        raise ConcurrentUpdate(f"{product.sku} kept changing under the upsert; try again")
    saved = Variant.objects.get(sku=product.sku)
    if saved.product_slug:  # its product's listing fields (price from, price filter) follow the price
        listing.refresh(saved.product_slug)
    cache.invalidate([product.sku])
    pending_events.deliver(product.sku, events)
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
    expected_version: int | None = None,
) -> Variant:
    """Staff create or edit a product's description and price. Stock changes only through
    stock_adjust (audited) and reservations. An edit applies only to the `edit_version` the
    editor saw (`expected_version`; the current one if not given): otherwise ConcurrentUpdate,
    nothing written. Raises Variant.DoesNotExist / NotUniqueError."""
    Money(price_amount, currency)
    fields = {
        "name": name, "description": description, "category": category, "price_amount": price_amount,
        "compare_at_amount": compare_at_amount, "currency": currency, "active": active,
    }  # fmt: skip
    if create:
        Variant(sku=sku, on_hand=0, reserved=0, available=0, **fields).save(force_insert=True)
        cache.invalidate([sku])
        return Variant.objects.get(sku=sku)
    return _edit(sku, fields, expected_version)


def variant_save(*, sku: str, variant, expected_version: int | None = None) -> Variant:
    """Staff edit one variant's price, compare-at price, weight, tax class and options (a
    VariantInput; its stock fields are ignored: stock moves only through stock_adjust)."""
    Money(variant.price_amount, variant.currency)
    errors = {}
    if variant.compare_at_amount is not None and variant.compare_at_amount < 0:
        errors["compare_at_amount"] = "A whole number, 0 or more."
    if variant.weight_grams < 0:
        errors["weight_grams"] = "A whole number, 0 or more."
    if variant.tax_class not in TAX_CLASSES:
        errors["tax_class"] = f"One of {', '.join(TAX_CLASSES)}."
    if errors:
        raise CatalogInvalid(errors)
    fields = {
        "price_amount": variant.price_amount, "compare_at_amount": variant.compare_at_amount,
        "currency": variant.currency, "weight_grams": variant.weight_grams, "tax_class": variant.tax_class,
        "options": dict(variant.options),
    }  # fmt: skip
    return _edit(sku, fields, expected_version)


def _edit(sku: str, fields: dict, expected_version: int | None) -> Variant:
    events: list[dict] = []
    collection = Variant._get_collection()
    before = collection.find_one({"sku": sku}, _EDIT_PROJECTION)
    if before is None:
        raise Variant.DoesNotExist(sku)
    seen = before.get("edit_version", 0) if expected_version is None else expected_version
    events = _price_events(
        sku, before, fields["price_amount"], fields["currency"], version=before["version"] + 1
    )
    saved = collection.update_one(
        # The price in the condition too: the event's old price is the one replaced.
        {"_id": before["_id"], "edit_version": seen, "price_amount": before["price_amount"]},
        {
            "$set": {**fields, "updated_at": timezone.now()},
            "$inc": {"version": 1, "edit_version": 1},
            **_push(events),
        },
    )
    if saved.matched_count != 1:
        raise ConcurrentUpdate(f"{sku} was changed by someone else since it was opened")
    saved = Variant.objects.get(sku=sku)
    if saved.product_slug:  # its product's price and listing fields follow
        listing.refresh(saved.product_slug)
    cache.invalidate([sku], products=[saved.product_slug] if saved.product_slug else [])
    pending_events.deliver(sku, events)
    return saved


def stock_adjust(*, sku: str, delta: int, reason: str, actor_id: int, actor_email: str) -> Variant:
    """Staff count the shelf: add or remove units, with a reason, recorded in the audit trail.

    The same conditional update as reservations (stock.move_stock): removing units needs that
    many available, so reserved units stay covered however many orders reserve meanwhile.
    """
    if delta == 0 or not reason.strip():
        raise ValueError("an adjustment needs a non-zero delta and a reason")
    condition = {"sku": sku} if delta > 0 else {"sku": sku, "available": {"$gte": -delta}}
    moved = stock.move_stock(condition, available=delta, on_hand=delta)
    if moved is None:
        raise StockAdjustmentRefused(f"cannot remove {-delta} units from {sku}: fewer are available")
    StockAdjustment(
        sku=sku,
        delta=delta,
        reason=reason.strip(),
        actor_id=actor_id,
        actor_email=actor_email,
        on_hand_after=moved["on_hand"],
    ).save()
    stock.after_change([moved])
    cache.invalidate_stock([sku])
    return Variant.objects.get(sku=sku)


_EDIT_PROJECTION = {"price_amount": True, "currency": True, "version": True, "edit_version": True}


def _price_events(sku: str, before: dict, price_amount: int, currency: str, *, version: int) -> list[dict]:
    """ProductPriceChanged when an existing product's price (or currency) changes."""
    if (before["price_amount"], before["currency"]) == (price_amount, currency):
        return []
    data = ProductPriceChangedData(
        sku=sku,
        old_price=PriceData(amount=before["price_amount"], currency=before["currency"]),
        new_price=PriceData(amount=price_amount, currency=currency),
    )
    return [pending_events.pending(pending_events.PRICE_CHANGED, data=data, version=version)]


def _push(events: list[dict]) -> dict:
    return {"$push": {"pending_events": {"$each": events}}} if events else {}
