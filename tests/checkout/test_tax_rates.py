"""A destination the shop has no tax rate for cannot be sold to: no silent 0 % VAT. A rate of
0 % the shop entered on purpose (exports) is a rate."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.checkout.models import ShippingZone, TaxRate
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.checkout.conftest import ADDRESS
from tests.checkout.helpers import BASE, complete, customer_checkout
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db(databases="__all__")
VIENNA = ADDRESS | {"city": "Wien", "postal_code": "1010", "country": "AT"}  # in the zone, no rate


def _to_austria(client, shop) -> str:
    checkout_id = customer_checkout(client)["id"]
    client.post(f"{BASE}/{checkout_id}/lines", {"sku": "MUG", "quantity": 1}, format="json")
    client.patch(f"{BASE}/{checkout_id}", {"shipping_address": VIENNA}, format="json")
    response = client.put(f"{BASE}/{checkout_id}/shipping-method", {"id": shop["express"].pk}, format="json")
    assert response.status_code == 200, response.json()
    return checkout_id


def test_a_country_without_a_tax_rate_is_a_problem_and_cannot_complete(shop, customer_client):
    checkout_id = _to_austria(customer_client, shop)

    read = customer_client.get(f"{BASE}/{checkout_id}").json()
    refused = complete(customer_client, checkout_id)

    assert read["ready"] is False
    assert read["problems"] == [
        {
            "code": "tax_rate_missing",
            "detail": "The shop has no tax rate for AT, so it cannot sell there yet.",
            "pointer": "#/shipping_address/country",
            "country": "AT",
        }
    ]
    assert refused.status_code == 409, refused.json()
    assert refused.json()["type"].endswith("/checkout-not-ready")
    assert [p["code"] for p in refused.json()["problems"]] == ["tax_rate_missing"]
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)


def test_a_zero_rate_set_on_purpose_is_a_rate(shop, customer_client):
    TaxRate.objects.create(country="AT", tax_class="", rate=Decimal("0.00"))
    checkout_id = _to_austria(customer_client, shop)

    read = customer_client.get(f"{BASE}/{checkout_id}").json()

    assert (read["ready"], read["problems"]) == (True, [])
    assert read["lines"][0]["tax_rate"] == "0.00" and read["totals"]["tax"]["amount"] == 0
    assert complete(customer_client, checkout_id).status_code == 201


def test_the_back_office_warns_of_zone_countries_without_a_tax_rate(shop):
    client = Client()
    client.force_login(StaffFactory(role="merchandising"))
    zone = shop["zone"]

    page = client.get("/admin/checkout/shippingzone/")
    saved = client.post(
        f"/admin/checkout/shippingzone/{zone.pk}/change/",
        {
            "name": zone.name,
            "countries": "AT, DE, IE",
            "methods-TOTAL_FORMS": "0",
            "methods-INITIAL_FORMS": "0",
        },
        follow=True,
    )

    assert "AT" in page.context["cl"].model_admin.countries_without_tax_rate(zone)
    warnings = [str(m) for m in get_messages(saved.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        "Germany and Austria ships to AT, IE without a tax rate: checkouts to them are refused "
        "until one is set (a 0 % rate, e.g. for exports, counts)."
    ]
    assert ShippingZone.objects.get().countries == ["AT", "DE", "IE"]


def test_the_tax_rate_list_warns_of_shipped_to_countries_without_a_rate(shop):
    client = Client()
    client.force_login(StaffFactory(role="merchandising"))

    before = client.get("/admin/checkout/taxrate/")
    TaxRate.objects.create(country="AT", tax_class="", rate=Decimal("20.00"))
    after = client.get("/admin/checkout/taxrate/")

    def warnings(page):
        return [str(m) for m in page.context["messages"] if m.level_tag == "warning"]

    assert warnings(before) == [
        "The shipping zones include AT without a standard tax rate: checkouts to them are refused "
        "until one is set."
    ]
    assert warnings(after) == []
