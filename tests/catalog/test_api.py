from datetime import timedelta

import mongoengine
import pytest

from apps.catalog.connection import connect_catalog
from apps.catalog.contracts import ProductInput, StockLine
from apps.catalog.public import product_upsert, stock_release, stock_reserve
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
PROBLEM = "application/problem+json"


def skus(response) -> list[str]:
    return [p["sku"] for p in response.json()["results"]]


@pytest.fixture
def shelf():
    ProductFactory(sku="K-1", name="Cast iron skillet", category="kitchen", price_amount=4900, on_hand=3)
    ProductFactory(sku="K-2", name="Stoneware mug", category="kitchen", price_amount=1400, on_hand=0)
    ProductFactory(
        sku="B-1",
        name="Release It!",
        category="books",
        price_amount=3700,
        on_hand=8,
        description="Design for production",
    )
    ProductFactory(sku="B-2", name="Refactoring", category="books", price_amount=4200, on_hand=2)
    ProductFactory(sku="X-1", name="Withdrawn", category="books", price_amount=100, on_hand=5, active=False)


def test_products_list_in_sku_order_without_inactive_ones(api_client, shelf):
    response = api_client.get("/api/v1/products")

    assert response.status_code == 200
    assert skus(response) == ["B-1", "B-2", "K-1", "K-2"]
    assert response.json()["next"] is None
    first = response.json()["results"][0]
    assert first["price"] == {"amount": 3700, "currency": "EUR"}
    assert (first["available"], first["in_stock"]) == (8, True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=kitchen", ["K-1", "K-2"]),
        ("min_price=3700&max_price=4500", ["B-1", "B-2"]),
        ("in_stock=true", ["B-1", "B-2", "K-1"]),
        ("in_stock=false", ["K-2"]),
        ("q=MUG", ["K-2"]),
        ("q=production", ["B-1"]),
        ("q=.*", []),  # text, not a pattern
        ("category=books&in_stock=true&max_price=4000", ["B-1"]),
    ],
)
def test_products_filter(api_client, shelf, query, expected):
    assert skus(api_client.get(f"/api/v1/products?{query}")) == expected


def test_cursor_pages_cover_everything_once(api_client, shelf):
    seen, url = [], "/api/v1/products?limit=3&category=books"
    ProductFactory(sku="B-3", category="books")
    ProductFactory(sku="B-4", category="books")
    while url:
        page = api_client.get(url).json()
        seen += [p["sku"] for p in page["results"]]
        url = page["next"]
        assert url is None or "category=books" in url

    assert seen == ["B-1", "B-2", "B-3", "B-4"]


@pytest.mark.parametrize(
    ("query", "pointer", "code"),
    [
        ("min_price=-1", "#/min_price", "min_value"),
        ("max_price=abc", "#/max_price", "invalid"),
        ("min_price=500&max_price=100", "#/max_price", "invalid"),
        ("category=garden", "#/category", "unknown_category"),
        ("cursor=not-a-cursor", "#/cursor", "invalid_cursor"),
        ("limit=0", "#/limit", "min_value"),
        ("limit=101", "#/limit", "max_value"),
        ("in_stock=maybe", "#/in_stock", "invalid"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(api_client, shelf, query, pointer, code):
    response = api_client.get(f"/api/v1/products?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(pointer, code)]


def test_product_detail_with_price_availability_and_etag(api_client, shelf):
    response = api_client.get("/api/v1/products/K-1")

    assert response.status_code == 200
    body = response.json()
    assert (body["sku"], body["name"], body["price"], body["available"]) == (
        "K-1",
        "Cast iron skillet",
        {"amount": 4900, "currency": "EUR"},
        3,
    )
    assert response["ETag"] == f'"K-1:{body["version"]}"'
    not_modified = api_client.get("/api/v1/products/K-1", HTTP_IF_NONE_MATCH=response["ETag"])
    assert (not_modified.status_code, not_modified.content, not_modified["ETag"]) == (
        304,
        b"",
        response["ETag"],
    )


@pytest.mark.parametrize("sku", ["NOPE", "X-1"])
def test_unknown_or_inactive_sku_is_a_404_problem(api_client, shelf, sku):
    response = api_client.get(f"/api/v1/products/{sku}")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == f"No product with SKU {sku!r}."


def test_a_cached_detail_reads_neither_postgresql_nor_mongodb(api_client, shelf, django_assert_num_queries):
    api_client.get("/api/v1/products/K-1")  # warms the cache
    mongoengine.disconnect()  # any MongoDB read would now raise
    try:
        with django_assert_num_queries(0):
            response = api_client.get("/api/v1/products/K-1")
    finally:
        connect_catalog()

    assert response.status_code == 200
    assert response.json()["sku"] == "K-1"


def test_every_write_path_invalidates_what_it_changed(api_client, shelf):
    def seen() -> tuple[int, int, int]:
        detail = api_client.get("/api/v1/products/K-1").json()
        listed = next(
            p
            for p in api_client.get("/api/v1/products?category=kitchen").json()["results"]
            if p["sku"] == "K-1"
        )
        assert listed["available"] == detail["available"] and listed["price"] == detail["price"]
        return detail["price"]["amount"], detail["available"], detail["version"]

    assert seen()[:2] == (4900, 3)  # both cached from here on
    version = seen()[2]
    product_upsert(product=ProductInput("K-1", "Cast iron skillet", "kitchen", 4500, "EUR", on_hand=3))
    assert seen()[:2] == (4500, 3)
    stock_reserve(order_ref="o-1", lines=[StockLine("K-1", 2)], ttl=timedelta(minutes=5))
    assert seen()[:2] == (4500, 1)
    stock_release(order_ref="o-1")
    assert seen()[:2] == (4500, 3)
    assert seen()[2] > version


def test_a_cache_outage_degrades_to_mongodb(api_client, shelf, unreachable_cache):
    detail = api_client.get("/api/v1/products/K-1")
    listed = api_client.get("/api/v1/products?category=kitchen")

    assert (detail.status_code, detail.json()["sku"]) == (200, "K-1")
    assert skus(listed) == ["K-1", "K-2"]


def test_a_new_category_can_be_filtered_on_at_once(api_client, shelf):
    assert api_client.get("/api/v1/products?category=garden").status_code == 400  # caches the category list

    product_upsert(product=ProductInput("G-1", "Trowel", "garden", 1500, "EUR", on_hand=4))

    assert skus(api_client.get("/api/v1/products?category=garden")) == ["G-1"]
