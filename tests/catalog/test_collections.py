"""Collections: hand-picked product lists, their API (the listing's filters, sorts, facets and
cursor pages, in the merchant's order by default), their cache and their admin screens."""

from datetime import timedelta

import pytest

from apps.catalog import cache, curation, products
from apps.catalog.contracts import CatalogInvalid, ProductDraft, StockLine, VariantInput
from apps.catalog.documents import Collection
from apps.catalog.public import stock_reserve
from apps.catalog.services import ConcurrentUpdate
from tests.factories.accounts import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
URL = "/api/v1/catalog/collections/summer/products"
ADMIN = "/admin/catalog/productadminentry/collections/"


def product(slug, price, *, on_hand=5, colour="blue", published=True):
    products.product_create(
        draft=ProductDraft(
            slug=slug, name=slug.replace("-", " ").title(), category="kitchen", attributes={"colour": colour},
            variants=(VariantInput(slug.upper(), price, "EUR", {}, on_hand=on_hand),), published=published,
        )
    )  # fmt: skip


@pytest.fixture
def summer(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    product("jug", 2500, colour="clear")
    product("mug", 1400)
    product("bowl", 1900, on_hand=0)
    product("plate", 1200)
    product("hidden", 900, published=False)
    product("not-picked", 1000)
    return curation.collection_save(
        slug="summer", name="Summer picks", products=["plate", "jug", "hidden", "mug", "bowl"]
    )


def slugs(response) -> list[str]:
    return [card["slug"] for card in response.json()["results"]]


def test_a_collection_lists_its_published_products_in_the_merchants_order(api_client, summer):
    response = api_client.get(URL)

    body = response.json()
    assert response.status_code == 200
    assert slugs(response) == ["plate", "jug", "mug", "bowl"]  # "hidden" is unpublished
    assert body["total"] == 4
    assert body["collection"] == {"slug": "summer", "name": "Summer picks", "description": ""}
    assert body["results"][1]["price_from"] == {"amount": 2500, "currency": "EUR"}
    assert body["facets"]["attributes"] == {
        "colour": [{"value": "blue", "count": 3}, {"value": "clear", "count": 1}]
    }


def test_filters_sorts_and_cursor_pages_work_inside_a_collection(api_client, summer):
    assert slugs(api_client.get(URL, {"sort": "price"})) == ["plate", "mug", "bowl", "jug"]
    assert slugs(api_client.get(URL, {"in_stock": "true", "attr.colour": "blue"})) == ["plate", "mug"]
    assert slugs(api_client.get(URL, {"q": "ju"})) == ["jug"]

    seen, page = [], api_client.get(URL, {"limit": 3})
    while True:
        seen += slugs(page)
        if not page.json()["next"]:
            break
        page = api_client.get(page.json()["next"])
    assert seen == ["plate", "jug", "mug", "bowl"]


def test_unknown_unpublished_and_bad_requests_are_problems(api_client, summer):
    curation.collection_save(slug="draft", name="Draft", products=["mug"], published=False)

    assert api_client.get("/api/v1/catalog/collections/nope/products").status_code == 404
    assert api_client.get("/api/v1/catalog/collections/draft/products").status_code == 404
    bad_sort = api_client.get(URL, {"sort": "cheapest"})
    assert bad_sort.status_code == 400
    assert bad_sort.json()["errors"][0]["pointer"] == "#/sort"
    unknown = api_client.get(URL, {"colour": "blue"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"][0]["pointer"]
    # "position" is a collection's order: the whole catalog has none.
    assert api_client.get("/api/v1/catalog/products", {"sort": "position"}).status_code == 400
    assert [c["slug"] for c in api_client.get("/api/v1/catalog/collections").json()] == ["summer"]


def test_bad_input_names_the_field_and_writes_nothing(summer):
    with pytest.raises(CatalogInvalid) as invalid:
        curation.collection_save(slug="Bad Slug", name=" ", products=["mug", "ghost", "mug"])

    assert invalid.value.errors == {
        "slug": "Lower-case letters, digits and single hyphens (max 64).",
        "name": "A collection needs a name (max 100 characters).",
        "products.1": "No product 'ghost'.",
        "products.2": "'mug' is already in the list.",
    }
    with pytest.raises(CatalogInvalid) as duplicate:
        curation.collection_save(slug="summer", name="Again", products=[])
    assert duplicate.value.errors == {"slug": "A collection with this slug already exists."}
    assert Collection.objects.count() == 1
    assert Collection.objects.get(slug="summer").name == "Summer picks"


def test_a_save_shows_at_once_and_a_stale_one_is_refused(api_client, summer):
    assert slugs(api_client.get(URL)) == ["plate", "jug", "mug", "bowl"]  # cached now
    assert api_client.get("/api/v1/catalog/collections").json()[0]["product_count"] == 5

    curation.collection_save(slug="summer", name="Summer", products=["mug", "jug"], expected_version=0)

    assert slugs(api_client.get(URL)) == ["mug", "jug"]
    assert api_client.get(URL).json()["collection"]["name"] == "Summer"
    assert api_client.get("/api/v1/catalog/collections").json()[0]["product_count"] == 2
    with pytest.raises(ConcurrentUpdate):
        curation.collection_save(slug="summer", name="Lost", products=[], expected_version=0)
    assert Collection.objects.get(slug="summer").products == ["mug", "jug"]


def test_a_stock_change_leaves_the_collection_cached_and_the_listing_shows_fresh_stock(api_client, summer):
    assert api_client.get(URL).json()["results"][0]["in_stock"] is True
    entry = cache.get_many([cache.collection_key("summer")])
    assert entry  # the collection itself is cached

    stock_reserve(order_ref="o-1", lines=[StockLine("PLATE", 5)], ttl=timedelta(minutes=15))

    assert cache.get_many([cache.collection_key("summer")]) == entry
    assert api_client.get(URL).json()["results"][0]["in_stock"] is False
    assert slugs(api_client.get(URL, {"in_stock": "true"})) == ["jug", "mug"]


def test_merchandising_manages_collections_and_support_only_reads_them(client, summer):
    client.force_login(StaffFactory(role="merchandising"))
    created = client.post(
        ADMIN + "add/", {"slug": "gifts", "name": "Gifts", "products": "mug\njug\n", "published": "on"}
    )
    assert created.status_code == 302
    assert Collection.objects.get(slug="gifts").products == ["mug", "jug"]
    refused = client.post(ADMIN + "add/", {"slug": "more", "name": "More", "products": "ghost"})
    assert refused.status_code == 200 and b"No product &#x27;ghost&#x27;." in refused.content
    assert Collection.objects(slug="more").count() == 0
    edited = client.post(
        ADMIN + "gifts/", {"name": "Gifts", "products": "jug\nmug", "published": "on", "edit_version": "0"}
    )
    assert edited.status_code == 302
    assert Collection.objects.get(slug="gifts").products == ["jug", "mug"]

    client.force_login(StaffFactory(role="support"))
    assert b"Summer picks" in client.get(ADMIN).content
    assert client.get(ADMIN + "summer/").status_code == 200
    assert (
        client.post(ADMIN + "summer/", {"name": "Taken", "products": "", "edit_version": "0"}).status_code
        == 403
    )
    assert client.get(ADMIN + "add/").status_code == 403
    assert Collection.objects.get(slug="summer").name == "Summer picks"
