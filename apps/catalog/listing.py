"""The storefront's product listing: filters, sort, cursor pages, facets and search.

Filtering runs in the store through indexed fields (`category_path`, `search_terms`,
`price_min`, `published`; in-stock through the variants' `product_slug, available` index), the
same query on MongoDB and on the embedded store. Facets, ranking and keyset pagination are
computed over the matching products' few listing fields, so they are the same code everywhere
too (at a few thousand matches per filter; an aggregation `$facet` is the step after that).

Search: names, brands and attribute values are normalised (lower case, accents removed) into
tokens, each stored with its prefixes from 2 characters (`search_terms`). A query matches the
products holding all its tokens (`$all`, one index); ranking counts the tokens found in the
name itself.
"""

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from apps.catalog import cache
from apps.catalog.documents import Product, Variant

SORTS = ("relevance", "price", "-price", "name", "-name", "newest")
COLLECTION_SORTS = ("position", *SORTS)  # position: the merchant's order of a collection
PRICE_BANDS = (0, 1000, 2500, 5000, 10000, 25000)  # minor units: band n is [b[n], b[n+1])
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ListingQuery:
    category: str | None = None
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, accepted values)
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    q: str | None = None
    collection: tuple[str, ...] | None = None  # a collection's product slugs, in its order
    sort: str = "newest"
    after: list | None = field(default=None)  # the cursor: sort key of the last row shown
    limit: int = 20


def tokens(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _TOKEN.findall(plain)


def search_terms(*texts: str) -> list[str]:
    terms: set[str] = set()
    for text in texts:
        for token in tokens(text):
            terms.update(token[:n] for n in range(min(2, len(token)), len(token) + 1))
    return sorted(terms)


def refresh(slug: str) -> None:
    """Re-derive a product's listing fields from its category and variants (after edits)."""
    from apps.catalog.categories import path_of

    product = Product.objects(slug=slug).first()
    if product is None:
        return
    prices = [
        (v.price_amount, v.currency)
        for v in Variant.objects(product_slug=slug, active=True).only("price_amount", "currency")
    ]
    low = min(prices) if prices else (0, "EUR")
    Product.objects(slug=slug).update_one(
        set__category_path=path_of(product.category),
        set__price_min=low[0],
        set__currency=low[1],
        set__search_terms=search_terms(product.name, product.brand, *product.attributes.values()),
    )


def encode_cursor(after: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(after).encode()).decode()


def decode_cursor(value: str, *, sort: str) -> list:
    """[sort key, slug] of the last row shown; refused unless given out for this same sort."""
    try:
        given_sort, key, slug = json.loads(base64.urlsafe_b64decode(value.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ValueError("Not a cursor this API gave out.") from None
    expected = {"name": str, "-name": list}.get(sort, int)
    if given_sort != sort or not isinstance(slug, str) or type(key) is not expected:
        raise ValueError("Not a cursor this API gave out for this sort.")
    if expected is list and not all(type(n) is int for n in key):
        raise ValueError("Not a cursor this API gave out for this sort.")
    return [key, slug]


def product_listing(query: ListingQuery) -> dict:
    """{"results": [product cards], "facets": {...}, "total": n, "next": cursor or None}. Cached;
    a stock change evicts only listings that filter on stock (cards take availability fresh)."""
    fingerprint = hashlib.sha256(json.dumps(asdict(query), sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]
    entry = cache.get_or_compute(
        cache.list_key(f"products:{fingerprint}", shows_stock=query.in_stock is not None),
        lambda: _compute(query),
        ttl=cache.LIST_TTL,
    )
    return {**entry, "results": _cards(entry["slugs"])}


def _compute(query: ListingQuery) -> dict:
    conditions: dict = {"published": True}
    if query.collection is not None:
        conditions["slug__in"] = list(query.collection)
    if query.category:
        conditions["category_path"] = query.category
    if query.min_price is not None:
        conditions["price_min__gte"] = query.min_price
    if query.max_price is not None:
        conditions["price_min__lte"] = query.max_price
    wanted = tokens(query.q or "")
    if wanted:
        conditions["search_terms__all"] = wanted
    rows = Product.objects(**conditions).only(
        "slug", "name", "category", "attributes", "price_min", "created_at"
    )
    if query.in_stock is not None:
        stocked = set(
            Variant.objects(product_slug__ne=None, active=True, available__gt=0).distinct("product_slug")
        )
        rows = [r for r in rows if (r.slug in stocked) == query.in_stock]
    matched = [r for r in rows if all(r.attributes.get(name) in values for name, values in query.attributes)]
    facets = _facets(matched, query)
    keyed = sorted((_sort_key(r, query, wanted), r.slug) for r in matched)
    if query.after is not None:
        keyed = [k for k in keyed if [k[0], k[1]] > query.after]
    page = keyed[: query.limit]
    more = len(keyed) > query.limit
    return {
        "slugs": [slug for _, slug in page],
        "facets": facets,
        "total": len(matched),
        "next": encode_cursor([query.sort, page[-1][0], page[-1][1]]) if more and page else None,
    }


def _sort_key(row, query: ListingQuery, wanted: list[str]):
    sort = query.sort if not (query.sort == "relevance" and not wanted) else "newest"
    if sort == "position":
        return query.collection.index(row.slug)
    if sort == "relevance":
        name_terms = set(search_terms(row.name))
        return -sum(token in name_terms for token in wanted)
    if sort in ("price", "-price"):
        return row.price_min if sort == "price" else -row.price_min
    if sort == "name":
        return row.name.casefold()
    if sort == "-name":
        return [-ord(c) for c in row.name.casefold()]
    return -int(row.created_at.timestamp() * 1_000_000)  # newest first


def _facets(rows, query: ListingQuery) -> dict:
    """Counts over the current filter: categories (each product counted under its category),
    attribute values, price bands."""
    categories: dict[str, int] = {}
    attributes: dict[str, dict[str, int]] = {}
    bands = [0] * len(PRICE_BANDS)
    for row in rows:
        categories[row.category] = categories.get(row.category, 0) + 1
        for name, value in row.attributes.items():
            attributes.setdefault(name, {})
            attributes[name][value] = attributes[name].get(value, 0) + 1
        bands[max(n for n, low in enumerate(PRICE_BANDS) if row.price_min >= low)] += 1
    return {
        "categories": [{"slug": slug, "count": n} for slug, n in sorted(categories.items())],
        "attributes": {
            name: [{"value": v, "count": n} for v, n in sorted(values.items())]
            for name, values in sorted(attributes.items())
        },
        "price_bands": [
            {"min": low, "max": PRICE_BANDS[n + 1] if n + 1 < len(PRICE_BANDS) else None, "count": bands[n]}
            for n, low in enumerate(PRICE_BANDS)
        ],
    }


def _cards(slugs: list[str]) -> list[dict]:
    from apps.catalog.selectors import product_pages

    pages = product_pages(slugs=slugs)
    cards = []
    for slug in slugs:
        page = pages.get(slug)
        if page is None:
            continue
        prices = [v["price"]["amount"] for v in page["variants"]]
        currency = page["variants"][0]["price"]["currency"] if page["variants"] else "EUR"
        cards.append(
            {
                "slug": page["slug"], "name": page["name"], "brand": page["brand"], "category": page["category"],
                "attributes": page["attributes"], "media": page["media"][:1],
                "price_from": {"amount": min(prices, default=0), "currency": currency},
                "in_stock": any(v["in_stock"] for v in page["variants"]),
            }
        )  # fmt: skip
    return cards
