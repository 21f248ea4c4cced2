"""Catalog reads, cache first. Payloads are plain dicts: what the API and public.py shape."""

import hashlib
import json
from dataclasses import dataclass

from mongoengine.queryset.visitor import Q

from apps.catalog import cache
from apps.catalog.documents import Category, Product, Variant


def product_payload(product: Variant) -> dict:
    """The storefront's view of a product (documented by api.serializers.ProductSerializer)."""
    return {
        "sku": product.sku,
        "product": product.product_slug,
        "options": dict(product.options),
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "attributes": dict(product.attributes),
        "images": list(product.images),
        "price": {"amount": product.price_amount, "currency": product.currency},
        "compare_at_price": (
            {"amount": product.compare_at_amount, "currency": product.currency}
            if product.compare_at_amount is not None
            else None
        ),
        "weight_grams": product.weight_grams,
        "tax_class": product.tax_class,
        "available": product.available,
        "in_stock": product.available > 0,
        "version": product.version,
        "updated_at": product.updated_at.isoformat(),
    }


def _detail_entry(product: Variant) -> tuple[int, str]:
    # Cached as the response body itself: a hit is one Redis GET and no serialization.
    return product.version, json.dumps(product_payload(product), separators=(",", ":"))


def product_detail_json(*, sku: str) -> tuple[int, str] | None:
    """(version, JSON body) of the active product, or None. Cached, "no such product" included."""

    def load():
        product = Variant.objects(sku=sku, active=True).first()
        return _detail_entry(product) if product else cache.MISSING

    entry = cache.get_or_compute(cache.detail_key(sku), load, ttl=cache.DETAIL_TTL)
    return None if entry == cache.MISSING else tuple(entry)


def cached_product_detail_json(*, sku: str) -> tuple[int, str] | None:
    """(version, JSON body) if the cache holds the active product; None otherwise (a miss, or
    cached as missing): nothing is computed."""
    entry = cache.peek(cache.detail_key(sku))
    return None if entry is None or entry == cache.MISSING else tuple(entry)


def product_page_payload(*, slug: str) -> dict | None:
    """A published product with its variants (price, options, availability), or None."""
    return product_pages(slugs=[slug]).get(slug)


def product_pages(*, slugs: list[str]) -> dict[str, dict]:
    """Published products with their variants, by slug (unknown ones absent).

    Two cached parts: each product's content (invalidated by edits) and each variant's SKU
    entry (invalidated by its price or stock changes), so a stock change never evicts content.
    Two cache round trips for any number of products; MongoDB only for what was missing."""
    keys = {cache.product_key(slug): slug for slug in slugs}
    contents = {keys[key]: entry for key, entry in cache.get_many(keys).items()}
    missing = [slug for slug in slugs if slug not in contents]
    if missing:
        loaded = _page_contents(missing)
        cache.set_many(
            {cache.product_key(slug): entry for slug, entry in loaded.items()}, ttl=cache.DETAIL_TTL
        )
        contents |= loaded
    shown = {slug: c for slug, c in contents.items() if c != cache.MISSING}
    variants = product_details(skus=[sku for content in shown.values() for sku in content["skus"]])
    keep = ("sku", "options", "price", "compare_at_price", "weight_grams", "available", "in_stock")
    return {
        slug: {
            **{k: v for k, v in content.items() if k != "skus"},
            "variants": [
                {k: variants[sku][k] for k in keep}
                for sku in content["skus"]
                if sku in variants and variants[sku]["active"]
            ],
        }
        for slug, content in shown.items()
    }


def _page_contents(slugs: list[str]) -> dict[str, dict | str]:
    found = {p.slug: p for p in Product.objects(slug__in=slugs, published=True)}
    skus: dict[str, list[str]] = {slug: [] for slug in found}
    for variant in (
        Variant.objects(product_slug__in=list(found)).order_by("position").only("sku", "product_slug")
    ):
        skus[variant.product_slug].append(variant.sku)
    contents: dict[str, dict | str] = {slug: cache.MISSING for slug in slugs}
    for slug, product in found.items():
        contents[slug] = {
            "slug": product.slug, "name": product.name, "description": product.description,
            "brand": product.brand, "category": product.category, "attributes": dict(product.attributes),
            "option_names": list(product.option_names),
            "media": [
                {"path": m.path, "alt": m.alt, "position": m.position, "width": m.width, "height": m.height}
                for m in sorted(product.media, key=lambda m: m.position)
            ],
            "seo": {"title": product.seo_title or product.name, "description": product.seo_description},
            "skus": skus[slug],
        }  # fmt: skip
    return contents


_PRICE_FIELDS = (
    "sku",
    "name",
    "price_amount",
    "currency",
    "active",
    "available",
    "weight_grams",
    "tax_class",
)


def prices(*, skus: list[str]) -> dict[str, dict]:
    """What pricing needs of each known SKU, inactive ones too, as stored now: one query for all
    of them (the sku index), no cache. An order's reservation evicts its SKUs' cached detail
    entries, so the next order's lookup would miss there anyway and cost three round trips."""
    projection = {"_id": False, **dict.fromkeys(_PRICE_FIELDS, True)}
    return {
        doc["sku"]: doc
        for doc in Variant._get_collection().find({"sku": {"$in": list(set(skus))}}, projection)
    }


def product_details(*, skus: list[str]) -> dict[str, dict]:
    """Payloads plus `active` for many SKUs (inactive ones too, for pricing): cache, then one query."""
    keys = {cache.detail_key(sku): sku for sku in set(skus)}
    found = {
        keys[key]: json.loads(entry[1]) | {"active": True}  # only active products are cached
        for key, entry in cache.get_many(keys).items()
        if entry != cache.MISSING
    }
    missing = [sku for sku in keys.values() if sku not in found]
    if missing:
        products = list(Variant.objects(sku__in=missing))
        cache.set_many(
            {cache.detail_key(p.sku): _detail_entry(p) for p in products if p.active}, ttl=cache.DETAIL_TTL
        )
        found |= {p.sku: product_payload(p) | {"active": p.active} for p in products}
    return found


@dataclass(frozen=True)
class ProductFilters:
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    search: str | None = None  # case-insensitive substring of name or description (same on
    # MongoDB and mongomock; $text search would need a real server)


def product_page(*, filters: ProductFilters, after_sku: str | None, limit: int) -> dict:
    """One page in SKU order (stable under inserts): {"results": [...], "last_sku": ... or None}."""
    fingerprint = hashlib.sha256(
        json.dumps([filters.__dict__, after_sku, limit], sort_keys=True).encode()
    ).hexdigest()[:32]

    def load():
        query = Variant.objects(active=True, **_conditions(filters))
        if filters.search:
            query = query.filter(Q(name__icontains=filters.search) | Q(description__icontains=filters.search))
        if after_sku is not None:
            query = query.filter(sku__gt=after_sku)
        rows = list(query.order_by("sku").limit(limit + 1))
        page = [product_payload(p) for p in rows[:limit]]
        return {"results": page, "last_sku": page[-1]["sku"] if len(rows) > limit else None}

    return cache.get_or_compute(cache.list_key(fingerprint), load, ttl=cache.LIST_TTL)


def sku_count() -> int:
    return Variant.objects.count()  # sellable SKUs


def skus_low_on_stock_count(*, threshold: int) -> int:
    """Variants (each its own SKU) on sale with `threshold` units or fewer available."""
    return Variant.objects(active=True, available__lte=threshold).count()


def categories() -> list[str]:
    return cache.get_or_compute(
        cache.list_key("categories", shows_stock=False),  # stale with the list pages: new ones usable at once
        # The tree's (a category can be empty) and the active SKUs' (a SKU can be outside it).
        lambda: sorted(
            {*Variant.objects(active=True).distinct("category"), *Category.objects.distinct("slug")}
        ),
        ttl=cache.LIST_TTL,
    )


def _conditions(filters: ProductFilters) -> dict:
    conditions: dict = {}
    if filters.category:
        conditions["category"] = filters.category
    if filters.min_price is not None:
        conditions["price_amount__gte"] = filters.min_price
    if filters.max_price is not None:
        conditions["price_amount__lte"] = filters.max_price
    if filters.in_stock is True:
        conditions["available__gt"] = 0
    elif filters.in_stock is False:
        conditions["available"] = 0
    return conditions
