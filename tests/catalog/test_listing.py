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
    assert body["facets"]["attributes"] == {  # disjunctive: the in-stock vase's colour could be added
        "colour": [
            {"value": "black", "count": 1},
            {"value": "blue", "count": 1},
            {"value": "clear", "count": 1},
        ]
    }
    assert body["facets"]["brands"] == [{"value": "Acme", "count": 2}]
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


def facet(body, name) -> dict:
    return {row["value"]: row["count"] for row in body["facets"]["attributes"].get(name, [])}


def test_attribute_facets_are_disjunctive_and_narrowed_by_the_other_filters(api_client, shop):
    products.product_create(
        draft=ProductDraft(
            slug="dutch-oven", name="Dutch oven", category="pans", brand="Acme",
            attributes={"colour": "black", "material": "enamel"},
            variants=(VariantInput("OVEN", 8900, "EUR", {}, on_hand=1),),
        )
    )  # fmt: skip
    products.product_update(
        slug="cast-iron-skillet",
        draft=ProductDraft(
            slug="cast-iron-skillet", name="Cast iron skillet", category="pans", brand="Acme",
            attributes={"colour": "black", "material": "iron"}, variants=(),
        ),
        expected_version=0,
    )  # fmt: skip

    body = api_client.get(URL, {"attr.colour": "black", "in_stock": "true"}).json()

    assert body["total"] == 2  # skillet, dutch oven (the black wok is out of stock)
    # Every colour one could add, counted with every other filter (in stock) but colour's own:
    assert facet(body, "colour") == {"black": 2, "blue": 1, "clear": 1, "green": 1}
    assert facet(body, "material") == {"enamel": 1, "iron": 1}  # narrowed by colour
    both = api_client.get(URL, {"attr.colour": "black,blue", "attr.material": "iron"}).json()
    assert [c["slug"] for c in both["results"]] == ["cast-iron-skillet"]
    assert facet(both, "colour") == {"black": 1}  # only the skillet has material=iron
    assert facet(both, "material") == {"enamel": 1, "iron": 1}  # the mug (blue) has no material
    assert [b["count"] for b in both["facets"]["price_bands"]] == [0, 0, 1, 0, 0, 0]  # narrowed


def test_a_price_set_by_upsert_reaches_the_listing(api_client, shop):
    from apps.catalog.contracts import ProductInput
    from apps.catalog.public import product_upsert

    product_upsert(product=ProductInput("MUG", "Stoneware mug", "kitchen", 1900, "EUR", on_hand=5))

    [card] = api_client.get(URL, {"q": "mug"}).json()["results"]
    assert card["price_from"] == {"amount": 1900, "currency": "EUR"}
    assert slugs(api_client.get(URL, {"min_price": 1800, "max_price": 2000})) == ["mug"]


def test_a_price_range_matches_any_active_variant_and_the_bands_agree(api_client, shop):
    products.product_create(
        draft=ProductDraft(
            slug="ssd", name="Portable SSD", category="home", brand="Voltline",
            variants=(
                VariantInput("SSD-1TB", 9900, "EUR", {"capacity": "1 TB"}, on_hand=3),
                VariantInput("SSD-2TB", 15900, "EUR", {"capacity": "2 TB"}, on_hand=7),
            ),
        )
    )  # fmt: skip

    ranged = api_client.get(URL, {"min_price": 12000, "max_price": 20000}).json()
    whole = api_client.get(URL, {"q": "ssd"}).json()

    assert [c["slug"] for c in ranged["results"]] == ["ssd"]
    assert ranged["results"][0]["price_from"] == {"amount": 15900, "currency": "EUR"}  # cheapest in range
    assert whole["results"][0]["price_from"] == {"amount": 9900, "currency": "EUR"}  # cheapest of all
    # A band counts the products a filter on that band lists: the SSD is in two bands.
    bands = {(b["min"], b["max"]): b["count"] for b in ranged["facets"]["price_bands"]}
    assert bands[(5000, 10000)] == 1 and bands[(10000, 25000)] == 1
    for (low, high), count in bands.items():
        params = {"min_price": low, **({"max_price": high - 1} if high else {})}
        assert api_client.get(URL, params).json()["total"] == count, (low, high)
    by_price = api_client.get(URL, {"min_price": 3000, "sort": "price"}).json()["results"]
    assert [(c["slug"], c["price_from"]["amount"]) for c in by_price] == [
        ("wok", 3900), ("cast-iron-skillet", 4500), ("ssd", 9900),
    ]  # fmt: skip


def test_an_unknown_category_is_the_same_problem_on_both_listings(api_client, shop):
    categories.category_save(slug="sale", name="Sale")  # in the tree, nothing in it yet

    for url in (URL, "/api/v1/products"):
        unknown = api_client.get(url, {"category": "nope"})
        assert unknown.status_code == 400, url
        assert unknown["Content-Type"] == PROBLEM
        assert [e["pointer"] for e in unknown.json()["errors"]] == ["#/category"]
        empty = api_client.get(url, {"category": "sale"})
        assert empty.status_code == 200 and empty.json()["results"] == [], url


def test_brand_filter_and_disjunctive_brand_facet(api_client, shop):
    body = api_client.get(URL, {"brand": "Spade & Co", "attr.colour": "green,blue"}).json()

    assert [c["slug"] for c in body["results"]] == ["trowel"]
    assert body["facets"]["brands"] == [{"value": "Acme", "count": 1}, {"value": "Spade & Co", "count": 1}]
    assert facet(body, "colour") == {"green": 1}  # narrowed by the brand
    assert api_client.get(URL, {"brand": "Nobody"}).json()["total"] == 0
    assert api_client.get(f"{URL}?brand=Nobody&brand=Spade+%26+Co").json()["total"] == 1
    assert api_client.get(URL, {"brand": " , "}).json()["errors"][0]["pointer"] == "#/brand"


def test_the_deploy_command_derives_prices_for_products_stored_before_them(api_client, shop):
    from django.core.management import call_command

    from apps.catalog.documents import Product

    Product._get_collection().update_many({}, {"$unset": {"prices": ""}})  # as stored before
    call_command("catalog_ensure_indexes", verbosity=0)

    assert sorted(slugs(api_client.get(URL, {"min_price": 1400, "max_price": 1500}))) == ["mug", "trowel"]


def test_a_listing_is_one_aggregation_with_a_sub_pipeline_per_facet(shop, monkeypatch):
    from apps.catalog import listing
    from apps.catalog.documents import Product, Variant

    calls, depth = [], [0]

    def counted(name, method):
        def wrapper(collection, *args, **kwargs):
            depth[0] += 1
            try:
                if depth[0] == 1:  # mongomock's aggregate runs its own find: not a round trip
                    calls.append((collection.name, name, args[0] if args else None))
                return method(collection, *args, **kwargs)
            finally:
                depth[0] -= 1

        return wrapper

    for kind in {type(Product._get_collection()), type(Variant._get_collection())}:
        for name in ("find", "find_one", "aggregate", "distinct", "count_documents"):
            monkeypatch.setattr(kind, name, counted(name, getattr(kind, name)))
    query = listing.ListingQuery(attributes=(("colour", ("black",)),), brands=("Acme",), min_price=1000)

    listing._compute(query)
    in_stock = len(calls)
    listing._compute(listing.ListingQuery(in_stock=True, attributes=query.attributes))

    assert [(c, n) for c, n, _ in calls[:in_stock]] == [("catalog_products", "aggregate")]
    (facets,) = [stage["$facet"] for stage in calls[0][2] if "$facet" in stage]
    assert sorted(facets) == ["attr_colour", "attributes", "brands", "categories", "hits", "price"]
    # In stock: the variants' distinct product slugs first (a cursor's distinct), then the same one.
    assert [(c, n) for c, n, _ in calls[in_stock:] if c == "catalog_products"] == [
        ("catalog_products", "aggregate")
    ]
