"""Cache-aside for catalog reads, in Redis (django-redis).

Variant details live under one key per SKU, deleted on every write to that product. List pages
live under a generation number that every write bumps, so all list pages go stale at once
without anyone enumerating them. A hot miss is computed by one caller while the others wait
briefly for its result (a short lock key). Any cache error degrades to computing from MongoDB.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from django.core.cache import cache
from opentelemetry.instrumentation.utils import suppress_instrumentation
from prometheus_client import Counter

logger = structlog.get_logger(__name__)

DETAIL_TTL = 300
LIST_TTL = 60
LOCK_TTL = 5
WAIT_FOR_OTHERS = 1.0  # seconds a caller waits for another's computation before doing it itself
MISSING = "__missing__"  # cached "no such product": a flood of unknown SKUs stays off MongoDB

_LIST_GENERATION = "catalog:list:generation"
_STOCK_GENERATION = "catalog:stock:generation"  # bumped by stock changes only

cache_requests = Counter(
    "catalog_cache_requests_total",
    "Catalog cache lookups: kind detail or list, result hit or miss",
    ["kind", "result"],
)


# Children bound once: labels() per lookup costs a lock and a dict walk on every cached read.
_COUNTERS = {
    (kind, hit): cache_requests.labels(kind, "hit" if hit else "miss")
    for kind in ("detail", "list")
    for hit in (True, False)
}


def _count(key: str, *, hit: bool, times: int = 1) -> None:
    _COUNTERS["detail" if key.startswith("catalog:product:") else "list", hit].inc(times)


def detail_key(sku: str) -> str:
    return f"catalog:product:{sku}"


def list_key(fingerprint: str, *, shows_stock: bool = True) -> str:
    """A list page's key: under both generations when the page shows or filters on stock, under
    the content generation alone when it does not (a stock change leaves it cached)."""
    if shows_stock:
        content, stock = generations()
    else:
        content, stock = generation(), "-"
    return f"catalog:list:{content}:{stock}:{fingerprint}"


def get_or_compute(key: str, compute: Callable[[], Any], *, ttl: int) -> Any:
    """The cached value, or compute() once across concurrent callers and cache it."""
    value = _safe(lambda: cache.get(key))
    _count(key, hit=value is not None)
    if value is not None:
        return value
    lock = f"{key}:lock"
    if _safe(lambda: cache.add(lock, 1, timeout=LOCK_TTL), default=True):
        try:
            value = compute()
            _safe(lambda: cache.set(key, value, timeout=ttl))
            return value
        finally:
            _safe(lambda: cache.delete(lock))
    deadline = time.monotonic() + WAIT_FOR_OTHERS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        value = _safe(lambda: cache.get(key))
        if value is not None:
            return value
    return compute()  # the other caller is slow or gone: do not wait longer than a miss costs


def peek(key: str) -> Any:
    """The cached value or None (nothing computed): a view's answer-before-anything-else path.
    Not a span of its own (it was as costly as the GET): the request's span covers it and
    catalog_cache_requests_total counts it."""
    with suppress_instrumentation():
        value = _safe(lambda: cache.get(key))
    if value is not None:
        _count(key, hit=True)
    return value


def body_get(fingerprint: str) -> str | None:
    """A finished listing body, only if it was stored under the current generations: one round
    trip for the generations and the body together (a key naming the generations would need
    the generations first)."""
    key = f"catalog:body:{fingerprint}"
    with suppress_instrumentation():  # as in peek()
        found = _safe(lambda: cache.get_many([_LIST_GENERATION, _STOCK_GENERATION, key]), default={})
    entry = found.get(key)
    if entry is None or (found.get(_LIST_GENERATION), found.get(_STOCK_GENERATION)) != entry[:2]:
        return None
    _count(key, hit=True)
    return entry[2]


def body_set(fingerprint: str, body: str, *, generations: tuple) -> None:
    """Store a body computed after reading `generations` (a write since then made them old)."""
    _safe(lambda: cache.set(f"catalog:body:{fingerprint}", (*generations, body), timeout=LIST_TTL))


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    keys = list(keys)
    found = _safe(lambda: cache.get_many(keys), default={})
    if keys:
        _count(keys[0], hit=True, times=len(found))
        _count(keys[0], hit=False, times=len(keys) - len(found))
    return found


def set_many(values: dict[str, Any], *, ttl: int) -> None:
    _safe(lambda: cache.set_many(values, timeout=ttl))


def product_key(slug: str) -> str:
    return f"catalog:page:{slug}"


def collection_key(slug: str) -> str:
    return f"catalog:collection:{slug}"


def invalidate_collection(slug: str) -> None:
    """After a collection's save: its entry, and the list pages (its listings, the collections
    list) through the content generation. Product pages and SKU entries stay."""
    _safe(lambda: cache.delete(collection_key(slug)))
    _safe(lambda: _bump(_LIST_GENERATION))


def generation(name: str = "content") -> int:
    key = _STOCK_GENERATION if name == "stock" else _LIST_GENERATION
    return _safe(lambda: cache.get_or_set(key, 1, timeout=None), 0)


def generations() -> tuple:
    """Both generation numbers in one round trip (a hot listing hit pays for this)."""
    found = _safe(lambda: cache.get_many([_LIST_GENERATION, _STOCK_GENERATION]), default={})
    if len(found) < 2:
        return generation(), generation("stock")
    return found[_LIST_GENERATION], found[_STOCK_GENERATION]


def invalidate_stock(skus: Iterable[str]) -> None:
    """After a stock change: the SKUs' entries (they show availability), the SKU list pages, and
    product listings filtered on stock. Product pages and other listings stay: they take
    availability from the SKU entries."""
    _safe(lambda: cache.delete_many([detail_key(sku) for sku in skus]))
    _safe(lambda: _bump(_STOCK_GENERATION))


def invalidate(skus: Iterable[str], *, products: Iterable[str] = ()) -> None:
    """After any write: the SKUs' detail entries go, and every list page with them (they show
    availability). Product pages (content without stock) go only when `products` names them:
    a stock change leaves them alone, their stock comes from the SKU entries."""
    keys = [detail_key(sku) for sku in skus] + [product_key(slug) for slug in products]
    _safe(lambda: cache.delete_many(keys))
    _safe(lambda: _bump(_LIST_GENERATION))
    _safe(lambda: _bump(_STOCK_GENERATION))


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): any new number retires the old pages
        cache.set(key, int(time.time() * 1000), timeout=None)


def _safe(operation: Callable[[], Any], default: Any = None) -> Any:
    try:
        return operation()
    except Exception as exc:  # Redis down or slow: serve from MongoDB, never fail the read
        logger.warning("catalog_cache_unavailable", error=str(exc))
        return default
