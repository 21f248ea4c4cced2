"""The demo shop `make run` serves is one a storefront can be built against: a category tree,
products with variants and facets, and a checkout that can be completed (shipping, VAT, a
voucher) with nothing set up by hand."""

import io

import pytest
from django.core.management import call_command

from apps.checkout.models import ShippingZone, TaxRate, Voucher
from apps.orders.models import Order
from tests.checkout.helpers import BASE, complete, eur, guest_checkout, ready_checkout

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def demo_shop(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_catalog_has_a_category_tree_variants_and_attribute_facets(demo_shop, api_client):
    tree = api_client.get("/api/v1/catalog/categories").json()
    apparel = api_client.get("/api/v1/catalog/products", {"category": "apparel", "limit": 100}).json()
    shirt = api_client.get("/api/v1/catalog/products/app-001").json()

    roots = [node["slug"] for node in tree]
    assert roots == ["apparel", "footwear", "kitchen", "books", "outdoor", "electronics"]
    assert [child["slug"] for child in tree[0]["children"]] == [
        "tops",
        "outerwear",
        "trousers",
        "accessories",
    ]
    assert apparel["total"] == 6  # the products of every apparel subcategory
    assert {f["slug"] for f in apparel["facets"]["categories"]} == {
        "tops",
        "outerwear",
        "trousers",
        "accessories",
    }
    assert {"value": "merino", "count": 2} in apparel["facets"]["attributes"]["material"]
    assert [(v["sku"], v["options"]) for v in shirt["variants"]] == [
        ("APP-001-S", {"size": "S"}),
        ("APP-001", {"size": "M"}),
        ("APP-001-L", {"size": "L"}),
        ("APP-001-XL", {"size": "XL"}),
    ]


def test_a_guest_completes_a_checkout_in_the_demo_shop(demo_shop):
    client, created = guest_checkout("ada@example.com")
    checkout_id = created["id"]
    client.post(f"{BASE}/{checkout_id}/lines", {"sku": "APP-001-L", "quantity": 2}, format="json")
    client.patch(f"{BASE}/{checkout_id}", {"shipping_address": _berlin()}, format="json")
    methods = client.get(f"{BASE}/{checkout_id}/shipping-methods").json()
    express = next(m for m in methods if m["name"] == "Express")

    body = ready_checkout(client, checkout_id, ("BOK-001", 1), method_id=express["id"], voucher="welcome10")

    # Shirts 2 x 39.00 (19 %) + book 45.00 (7 %) = 123.00; WELCOME10 takes 12.30, spread 7.80 / 4.50.
    # Express to DE, 2 x 180 g + 1100 g = 1460 g: the band up to 2 kg, 9.90. VAT inside the gross
    # prices, half-up per line: 70.20 x 19/119 = 11.2084 -> 11.21; 40.50 x 7/107 = 2.6495 -> 2.65;
    # shipping 9.90 x 19/119 = 1.5807 -> 1.58. Total 123.00 - 12.30 + 9.90 = 120.60.
    assert [m["name"] for m in methods] == ["Standard", "Express"]
    assert body["totals"] == {
        "subtotal": eur(12300),
        "discount": eur(1230),
        "shipping": eur(990),
        "tax": eur(1121 + 265 + 158),
        "total": eur(12060),
        "prices_include_tax": True,
    }
    response = complete(client, checkout_id)
    assert response.status_code == 201, response.json()
    assert Order.objects.get().total_amount == 12060


def test_seeding_twice_keeps_what_staff_changed_in_the_checkout_setup(demo_shop):
    Voucher.objects.filter(code="SAVE15").update(active=False)
    TaxRate.objects.filter(country="DE", tax_class="").update(rate=16)

    call_command("seed_demo", stdout=io.StringIO())

    assert Voucher.objects.get(code="SAVE15").active is False
    assert TaxRate.objects.get(country="DE", tax_class="").rate == 16
    assert ShippingZone.objects.count() == 4


def _berlin() -> dict:
    return {
        "name": "Ada Lovelace",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    }


def test_every_country_the_demo_ships_to_has_its_vat_rates(demo_shop):
    countries = {c for zone in ShippingZone.objects.all() for c in zone.countries}
    standard = dict(TaxRate.objects.filter(tax_class="").values_list("country", "rate"))
    reduced = dict(TaxRate.objects.filter(tax_class="reduced").values_list("country", "rate"))

    assert countries <= set(standard)
    # The EU members the zone added, at their standard rates (FI 25.5 % since 2024-09-01) and
    # their rates for books (the demo's "reduced" class; DK has none: its standard rate applies).
    assert {c: str(standard[c]) for c in ("DK", "FI", "IE", "LU", "PL", "PT", "SE")} == {
        "DK": "25.00",
        "FI": "25.50",
        "IE": "23.00",
        "LU": "17.00",
        "PL": "23.00",
        "PT": "23.00",
        "SE": "25.00",
    }
    assert {c: str(reduced[c]) for c in ("FI", "IE", "LU", "PL", "PT", "SE")} == {
        "FI": "13.50",
        "IE": "0.00",
        "LU": "3.00",
        "PL": "5.00",
        "PT": "6.00",
        "SE": "6.00",
    }
    # Outside the EU the shop exports VAT-free: an explicit 0 %, not a missing rate.
    assert {str(standard[c]) for c in ("AU", "CA", "CH", "JP", "NO", "US")} == {"0.00"}
