import threading
import time

import pytest

from apps.catalog import cache

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]


def test_a_hot_miss_is_computed_once_while_others_wait_for_it():
    computed = []
    results = []
    start = threading.Barrier(12)

    def compute():
        computed.append(1)
        time.sleep(0.3)  # a slow MongoDB query
        return {"value": 42}

    def reader():
        start.wait()
        results.append(cache.get_or_compute("catalog:test:hot", compute, ttl=30))

    threads = [threading.Thread(target=reader) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(computed) == 1
    assert results == [{"value": 42}] * 12


def test_list_pages_go_stale_together_on_any_write():
    before = cache.list_key("page")

    cache.invalidate(["ANY-SKU"])

    assert cache.list_key("page") != before


def test_a_stock_change_evicts_only_what_shows_stock(settings):
    from datetime import timedelta

    from django.core.cache import cache as redis

    from apps.catalog import products
    from apps.catalog.contracts import ProductDraft, StockLine, VariantInput
    from apps.catalog.public import stock_reserve
    from apps.catalog.selectors import product_page_payload

    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    products.product_create(
        draft=ProductDraft("tee", "Tee", "clothing", (VariantInput("TEE-S", 2500, "EUR", {}, on_hand=4),))
    )
    product_page_payload(slug="tee")  # caches the page's content and the SKU entry
    content_listing, stock_listing = cache.list_key("x", shows_stock=False), cache.list_key("x")

    stock_reserve(order_ref="o-1", lines=[StockLine("TEE-S", 1)], ttl=timedelta(minutes=15))

    assert redis.get(cache.product_key("tee")) is not None  # the content stays cached
    assert redis.get(cache.detail_key("TEE-S")) is None  # the SKU entry shows stock: gone
    assert cache.list_key("x", shows_stock=False) == content_listing
    assert cache.list_key("x") != stock_listing
    assert product_page_payload(slug="tee")["variants"][0]["available"] == 3


def test_a_listing_body_is_served_only_under_the_generations_it_was_stored_with():
    stored_with = cache.generations()
    cache.body_set("page-1", '{"results": []}', generations=stored_with)
    assert cache.body_get("page-1") == '{"results": []}'

    cache.invalidate_stock(["ANY-SKU"])  # bodies show stock
    assert cache.body_get("page-1") is None

    cache.body_set("page-2", "{}", generations=stored_with)  # computed before that change
    assert cache.body_get("page-2") is None
    cache.body_set("page-3", "{}", generations=cache.generations())
    cache.invalidate_collection("summer")
    assert cache.body_get("page-3") is None
