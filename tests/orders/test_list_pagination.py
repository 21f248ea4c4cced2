"""GET /orders pages with the shared cursor pagination: a bad `limit` or cursor is a 400 naming the
parameter, as the catalog answers, not the default page."""

import pytest

from tests.factories.catalog import ProductFactory
from tests.helpers import place

pytestmark = pytest.mark.django_db
URL = "/api/v1/orders"


@pytest.fixture
def two_orders(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    for key in ("a", "b"):
        assert place(customer_client, ("MUG", 1), key=key).status_code == 201


@pytest.mark.parametrize(
    ("limit", "code"),
    [
        ("0", "min_value"),
        ("-1", "min_value"),
        ("abc", "invalid"),
        ("1000", "max_value"),
        ("101", "max_value"),
    ],
)
def test_a_bad_limit_is_refused_naming_it_as_the_catalog_does(customer_client, two_orders, limit, code):
    response = customer_client.get(URL, {"limit": limit})
    catalog = customer_client.get("/api/v1/products", {"limit": limit})

    assert response.status_code == 400, response.json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("#/limit", code)]
    assert catalog.status_code == 400
    assert [(e["pointer"], e["code"]) for e in catalog.json()["errors"]] == [("#/limit", code)]


def test_a_good_limit_pages_and_the_next_cursor_is_taken(customer_client, two_orders):
    first = customer_client.get(URL, {"limit": "1"})
    second = customer_client.get(first.json()["next"])
    default = customer_client.get(URL, {"limit": "100"})

    assert first.status_code == second.status_code == default.status_code == 200
    assert len(first.json()["results"]) == len(second.json()["results"]) == 1
    assert first.json()["results"][0]["id"] != second.json()["results"][0]["id"]
    assert len(default.json()["results"]) == 2


@pytest.mark.parametrize("cursor", ["abc", "!!", "cD0yMDI2"])
def test_a_cursor_not_given_out_is_refused_naming_it(customer_client, two_orders, cursor):
    response = customer_client.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("#/cursor", "invalid_cursor")]
