"""Collections: hand-picked, ordered product lists (merchandising). Saved whole, on the
edit_version the editor opened; every input is checked before anything is written.

Cache: a collection's entry (`cache.collection_key`) is deleted on every save of it, and the
list generation is bumped, so its listing pages (keyed by URL and filter under the generation)
and the collections list go stale at once. Product edits bump the same generation already."""

from django.utils import timezone
from mongoengine import NotUniqueError

from apps.catalog import cache
from apps.catalog.contracts import CatalogInvalid
from apps.catalog.documents import Collection, Product
from apps.catalog.products import SLUG
from apps.catalog.services import ConcurrentUpdate

MAX_PRODUCTS = 500  # a hand-picked list, not a category: the listing computes over all of it


def collection_save(
    *,
    slug: str,
    name: str,
    products: list[str],
    description: str = "",
    published: bool = True,
    expected_version: int | None = None,
) -> Collection:
    """Create (expected_version None) or replace a collection's fields and product order."""
    errors = _check(slug=slug, name=name, products=products)
    if errors:
        raise CatalogInvalid(errors)
    now = timezone.now()
    fields = {
        "name": name.strip(),
        "description": description,
        "products": list(products),
        "published": published,
    }
    if expected_version is None:
        try:
            Collection(slug=slug, **fields, created_at=now, updated_at=now).save(force_insert=True)
        except NotUniqueError:
            raise CatalogInvalid({"slug": "A collection with this slug already exists."}) from None
    else:
        updated = Collection.objects(slug=slug, edit_version=expected_version).update_one(
            inc__edit_version=1, set__updated_at=now, **{f"set__{k}": v for k, v in fields.items()}
        )
        if updated != 1:
            raise ConcurrentUpdate(f"collection {slug} was changed by someone else since it was opened")
    cache.invalidate_collection(slug)
    return Collection.objects.get(slug=slug)


def collection_entry(*, slug: str) -> dict | None:
    """A published collection as {"slug", "name", "description", "products"}, or None. Cached."""

    def load():
        found = Collection.objects(slug=slug, published=True).first()
        if found is None:
            return cache.MISSING
        return {
            "slug": found.slug,
            "name": found.name,
            "description": found.description,
            "products": list(found.products),
        }

    entry = cache.get_or_compute(cache.collection_key(slug), load, ttl=cache.DETAIL_TTL)
    return None if entry == cache.MISSING else entry


def collections_published() -> list[dict]:
    """Every published collection (slug, name, description, product_count), by slug. Cached."""

    def load():
        return [
            {"slug": c.slug, "name": c.name, "description": c.description, "product_count": len(c.products)}
            for c in Collection.objects(published=True).order_by("slug")
        ]

    return cache.get_or_compute(cache.list_key("collections", shows_stock=False), load, ttl=cache.LIST_TTL)


def _check(*, slug: str, name: str, products: list[str]) -> dict[str, str]:
    errors = {}
    if not SLUG.match(slug or "") or len(slug) > 64:
        errors["slug"] = "Lower-case letters, digits and single hyphens (max 64)."
    if not (name or "").strip() or len(name) > 100:
        errors["name"] = "A collection needs a name (max 100 characters)."
    if not isinstance(products, list | tuple) or not all(isinstance(p, str) for p in products):
        return errors | {"products": "A list of product slugs."}
    if len(products) > MAX_PRODUCTS:
        errors["products"] = f"At most {MAX_PRODUCTS} products."
    known = {p.slug for p in Product.objects(slug__in=list(products)).only("slug")}
    seen: set[str] = set()
    for n, product in enumerate(products):
        if product in seen:
            errors[f"products.{n}"] = f"{product!r} is already in the list."
        elif product not in known:
            errors[f"products.{n}"] = f"No product {product!r}."
        seen.add(product)
    return errors
