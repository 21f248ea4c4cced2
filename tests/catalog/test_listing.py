"""The storefront listing through the API: category tree with descendants, attribute and price
filters, in stock, sort with stable cursor pages, facets for the current filter, search."""

from datetime import timedelta

import pytest

from apps.catalog import categories, products
from apps.catalog.contracts import CatalogInvalid, ProductDraft, StockLine, VariantInput
from apps.catalog.public import stock_reserve

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
URL = "/api/v1/catalog/products"
PROBLEM = "application/problem+json"


def product(slug, name, category, price, *, on_hand=5, colour="blue", brand="Acme"):
    products.product_create(
        draft=ProductDraft(
            slug=slug, name=name, category=category, brand=brand, attributes={"colour": colour},
            variants=(VariantInput(slug.upper(), price, "EUR", {}, on_hand=on_hand),),
        )
    )  # fmt: skip


@pytest.fixture
def shop(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    categories.category_save(slug="home", name="Home")
    categories.category_save(slug="kitchen", name="Kitchen", parent="home", position=1)
    categories.category_save(slug="pans", name="Pans", parent="kitchen")
    categories.category_save(slug="garden", name="Garden")
    product("cast-iron-skillet", "Cast iron skillet", "pans", 4500, colour="black")
    product("wok", "Carbon steel wok", "pans", 3900, on_hand=0, colour="black")
    product("mug", "Stoneware mug", "kitchen", 1400)
    product("vase", "Glass vase", "home", 2900, colour="clear")
    product("trowel", "Garden trowel", "garden", 1500, colour="green", brand="Spade & Co")


def slugs(response) -> list[str]:
    return [card["slug"] for card in response.json()["results"]]


def test_a_category_lists_its_descendants_too(api_client, shop):
    assert sorted(slugs(api_client.get(URL, {"category": "kitchen"}))) == ["cast-iron-skillet", "mug", "wok"]
    assert sorted(slugs(api_client.get(URL, {"category": "home"}))) == [
        "cast-iron-skillet", "mug", "vase", "wok",
    ]  # fmt: skip
    tree = api_client.get("/api/v1/catalog/categories").json()
    assert [n["slug"] for n in tree] == ["garden", "home"]
    assert tree[1]["children"][0]["children"][0]["slug"] == "pans"


def test_filters_sort_and_facets_together(api_client, shop):
    response = api_client.get(
        URL, {"category": "home", "attr.colour": "black,blue", "in_stock": "true", "sort": "price"}
    )

    body = response.json()
    assert response.status_code == 200
    assert slugs(response) == ["mug", "cast-iron-skillet"]  # the wok is out of stock
    assert body["results"][0]["price_from"] == {"amount": 1400, "currency": "EUR"}
    assert body["facets"]["categories"] == [{"slug": "kitchen", "count": 1}, {"slug": "pans", "count": 1}]
    assert body["facets"]["attributes"] == {
        "colour": [{"value": "black", "count": 1}, {"value": "blue", "count": 1}]
    }
    assert [b["count"] for b in body["facets"]["price_bands"]] == [0, 1, 1, 0, 0, 0]  # 14.00, 45.00
    assert slugs(api_client.get(URL, {"min_price": 2000, "max_price": 4000, "sort": "-price"})) == [
        "wok",
        "vase",
    ]


def test_cursor_pages_are_stable_for_every_sort(api_client, shop):
    for sort in ("price", "-price", "name", "-name", "newest"):
        whole = slugs(api_client.get(URL, {"sort": sort, "limit": 10}))
        seen, page = [], api_client.get(URL, {"sort": sort, "limit": 2})
        while True:
            seen += slugs(page)
            if not page.json()["next"]:
                break
            page = api_client.get(page.json()["next"])
        assert seen == whole and len(whole) == 5, sort
    assert slugs(api_client.get(URL, {"sort": "name", "limit": 2})) == ["wok", "cast-iron-skillet"]  # Carbon…


def test_search_matches_word_beginnings_accents_and_ranks_names_first(api_client, shop):
    product("pan-book", "Cooking book", "home", 2000, brand="Pan Macmillan")

    assert slugs(api_client.get(URL, {"q": "SKIL"})) == ["cast-iron-skillet"]
    assert slugs(api_client.get(URL, {"q": "spade"})) == ["trowel"]  # the brand is searched too
    assert slugs(api_client.get(URL, {"q": "Gárden"})) == ["trowel"]
    assert slugs(api_client.get(URL, {"q": "zzz"})) == []


def test_stock_changes_show_in_a_cached_listing(api_client, shop):
    before = api_client.get(URL, {"category": "kitchen", "sort": "name"}).json()["results"]
    stock_reserve(order_ref="o-1", lines=[StockLine("MUG", 5)], ttl=timedelta(minutes=15))
    after = api_client.get(URL, {"category": "kitchen", "sort": "name"}).json()["results"]

    assert [c["slug"] for c in before] == ["wok", "cast-iron-skillet", "mug"]
    assert [c["in_stock"] for c in before] == [False, True, True]
    assert [c["in_stock"] for c in after] == [False, True, False]
    assert slugs(api_client.get(URL, {"in_stock": "true", "category": "kitchen"})) == ["cast-iron-skillet"]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"colour": "blue"}, "colour"),
        ({"sort": "popularity"}, "sort"),
        ({"order_by": "price"}, "order_by"),
        ({"attr.$gt": "x"}, "attr.$gt"),
        ({"category": '{"$gt": ""}'}, "category"),
        ({"min_price": '{"$gt": ""}'}, "min_price"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"min_price": 500, "max_price": 100}, "max_price"),
    ],
)
def test_unknown_or_malicious_parameters_are_a_problem_naming_them(api_client, shop, params, pointer):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [e["pointer"] for e in response.json()["errors"]] == [f"#/{pointer}"]


def test_a_cursor_from_another_sort_is_refused(api_client, shop):
    cursor = api_client.get(URL, {"sort": "price", "limit": 1}).json()["next"].split("cursor=")[1]

    response = api_client.get(URL, {"sort": "name", "cursor": cursor})

    assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "#/cursor"


def test_a_category_cannot_move_under_itself(shop):
    with pytest.raises(CatalogInvalid) as cycle:
        categories.category_save(slug="home", name="Home", parent="pans")

    assert "parent" in cycle.value.errors
    assert categories.path_of("pans") == ["home", "kitchen", "pans"]


def test_moving_a_category_moves_its_products_in_listings(api_client, shop):
    categories.category_save(slug="kitchen", name="Kitchen", parent="garden")

    assert sorted(slugs(api_client.get(URL, {"category": "garden"}))) == [
        "cast-iron-skillet", "mug", "trowel", "wok",
    ]  # fmt: skip
    assert slugs(api_client.get(URL, {"category": "home"})) == ["vase"]
