"""The storefront's product listing: filters, sort, cursor pages, facets and search.

One aggregation per listing (plus a `distinct` on the variants for the in-stock filter): a
`$match` through indexed fields (`published` with `category_path` or `search_terms`; the
category is the listing's scope, not a facet filter), then a `$facet` with one sub-pipeline
per facet, each matching every other filter but its own: attribute, brand and price facets are
disjunctive (the values one could add to the selection, within the other filters), and the
hits sub-pipeline matches them all. The same operators on MongoDB and on mongomock. Ranking and
keyset pagination are computed over the hits' few listing fields (fine to some thousands of
matches: the whole `$facet` answer is one document, at most 16 MB on MongoDB).

Price: a product matches a range when any of its active variants' prices (`prices`) is in it;
its `price_from` (and its key for sort by price) is then the cheapest price in the range, the
cheapest overall without one. A price band counts the products that filtering on that band
lists (a product with variants in two bands is in both).

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
    brands: tuple[str, ...] = ()  # any of these
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
        set__prices=sorted({amount for amount, _ in prices}),
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
        # v2: entries carry prices_from (a v1 entry from before a deploy is never read).
        cache.list_key(f"products.v2:{fingerprint}", shows_stock=query.in_stock is not None),
        lambda: _compute(query),
        ttl=cache.LIST_TTL,
    )
    return {**entry, "results": _cards(entry["slugs"], entry["prices_from"])}


def _compute(query: ListingQuery) -> dict:
    base: dict = {"published": True}
    if query.collection is not None:
        base["slug__in"] = list(query.collection)
    if query.category:
        base["category_path"] = query.category
    wanted = tokens(query.q or "")
    if wanted:
        base["search_terms__all"] = wanted
    if query.in_stock is not None:
        stocked = Variant.objects(product_slug__ne=None, active=True, available__gt=0).distinct(
            "product_slug"
        )
        # In an $and: a collection's slug__in is a condition on slug too.
        base["__raw__"] = {"$and": [{"slug": {"$in" if query.in_stock else "$nin": stocked}}]}

    # The facet filters, each by its facet's name: a facet's counts match all the others.
    filters: dict[str, dict] = {}
    for name, values in query.attributes:
        filters[f"attr_{name}"] = {f"attributes.{name}": {"$in": list(values)}}
    if query.brands:
        filters["brands"] = {"brand": {"$in": list(query.brands)}}
    if query.min_price is not None or query.max_price is not None:
        span = {"$gte": query.min_price or 0}
        if query.max_price is not None:
            span["$lte"] = query.max_price
        filters["price"] = {"prices": {"$elemMatch": span}}

    def but(facet: str | None) -> dict:
        others = [f for name, f in filters.items() if name != facet]
        return {"$match": {"$and": others} if others else {}}

    filtered = [name for name, _ in query.attributes]
    facets = {
        "hits": [but(None), {"$project": {"_id": 0, "slug": 1, "name": 1, "prices": 1, "price_min": 1,
                                          "created_at": 1}}],
        "categories": [but(None), {"$group": {"_id": "$category", "count": {"$sum": 1}}}],
        "brands": [but("brands"), {"$match": {"brand": {"$nin": ["", None]}}},
                   {"$group": {"_id": "$brand", "count": {"$sum": 1}}}],
        "price": [but("price"), {"$unwind": "$prices"},
                  {"$bucket": {"groupBy": "$prices", "boundaries": [*PRICE_BANDS, 2**62], "default": -1,
                               "output": {"products": {"$addToSet": "$_id"}}}}],
        # Attributes nobody filters on, from the hits; each filtered one from its own match.
        "attributes": [but(None), {"$project": {"pairs": {"$objectToArray": "$attributes"}}},
                       {"$unwind": "$pairs"}, {"$match": {"pairs.k": {"$nin": filtered}}},
                       {"$group": {"_id": {"name": "$pairs.k", "value": "$pairs.v"}, "count": {"$sum": 1}}}],
        **{
            f"attr_{name}": [but(f"attr_{name}"), {"$match": {f"attributes.{name}": {"$exists": True}}},
                             {"$group": {"_id": {"name": name, "value": f"$attributes.{name}"},
                                         "count": {"$sum": 1}}}]
            for name in filtered
        },
    }  # fmt: skip
    (result,) = Product.objects(**base).aggregate([{"$facet": facets}])
    rows = result["hits"]
    low, high = query.min_price or 0, query.max_price
    for row in rows:
        prices = row.get("prices") or [row.get("price_min", 0)]
        in_range = [p for p in prices if low <= p and (high is None or p <= high)]
        row["price_from"] = min(in_range or prices)  # no price filter: every price is in range
    keyed = sorted((_sort_key(r, query, wanted), r["slug"]) for r in rows)
    if query.after is not None:
        keyed = [k for k in keyed if [k[0], k[1]] > query.after]
    page = keyed[: query.limit]
    more = len(keyed) > query.limit
    prices_from = {r["slug"]: r["price_from"] for r in rows}
    return {
        "slugs": [slug for _, slug in page],
        "prices_from": {slug: prices_from[slug] for _, slug in page},
        "facets": _facets(result),
        "total": len(rows),
        "next": encode_cursor([query.sort, page[-1][0], page[-1][1]]) if more and page else None,
    }


def _sort_key(row: dict, query: ListingQuery, wanted: list[str]):
    sort = query.sort if not (query.sort == "relevance" and not wanted) else "newest"
    if sort == "position":
        return query.collection.index(row["slug"])
    if sort == "relevance":
        name_terms = set(search_terms(row["name"]))
        return -sum(token in name_terms for token in wanted)
    if sort in ("price", "-price"):
        return row["price_from"] if sort == "price" else -row["price_from"]
    if sort == "name":
        return row["name"].casefold()
    if sort == "-name":
        return [-ord(c) for c in row["name"].casefold()]
    return -int(row["created_at"].timestamp() * 1_000_000)  # newest first


def _facets(result: dict) -> dict:
    """The `$facet` answer as the API's facets: categories (each product under its own),
    brands, attribute values, price bands."""
    attributes: dict[str, dict] = {}
    for key, rows in result.items():
        if key == "attributes" or key.startswith("attr_"):
            for row in rows:
                attributes.setdefault(row["_id"]["name"], {})[row["_id"]["value"]] = row["count"]
    banded = {row["_id"]: len(row["products"]) for row in result["price"]}
    return {
        "categories": [{"slug": r["_id"], "count": r["count"]} for r in sorted(result["categories"], key=_id)],
        "brands": [{"value": r["_id"], "count": r["count"]} for r in sorted(result["brands"], key=_id)],
        "attributes": {
            name: [{"value": v, "count": n} for v, n in sorted(values.items(), key=lambda vn: str(vn[0]))]
            for name, values in sorted(attributes.items())
        },
        "price_bands": [
            {"min": low, "max": PRICE_BANDS[n + 1] if n + 1 < len(PRICE_BANDS) else None,
             "count": banded.get(low, 0)}
            for n, low in enumerate(PRICE_BANDS)
        ],
    }  # fmt: skip


def _id(row: dict) -> str:
    return str(row["_id"])


def _cards(slugs: list[str], prices_from: dict[str, int]) -> list[dict]:
    """Product cards, fresh from the product pages; `price_from` as the listing matched it."""
    from apps.catalog.selectors import product_pages

    pages = product_pages(slugs=slugs)
    cards = []
    for slug in slugs:
        page = pages.get(slug)
        if page is None:
            continue
        currency = page["variants"][0]["price"]["currency"] if page["variants"] else "EUR"
        cards.append(
            {
                "slug": page["slug"], "name": page["name"], "brand": page["brand"], "category": page["category"],
                "attributes": page["attributes"], "media": page["media"][:1],
                "price_from": {"amount": prices_from[slug], "currency": currency},
                "in_stock": any(v["in_stock"] for v in page["variants"]),
            }
        )  # fmt: skip
    return cards
