"""Pricing a checkout costs the same number of statements however many lines, zones, methods and
weight bands it meets: one read of each kind, no query per line or per method."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.checkout.models import ShippingMethod, ShippingWeightBand, ShippingZone
from tests.checkout.conftest import ADDRESS
from tests.checkout.helpers import BASE, customer_checkout
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


def _filled(client, skus: list[str], method_id: int) -> str:
    checkout_id = customer_checkout(client)["id"]
    for sku in skus:
        assert (
            client.post(f"{BASE}/{checkout_id}/lines", {"sku": sku, "quantity": 2}, format="json").status_code
            == 200
        )
    client.patch(f"{BASE}/{checkout_id}", {"shipping_address": ADDRESS}, format="json")
    assert (
        client.put(f"{BASE}/{checkout_id}/shipping-method", {"id": method_id}, format="json").status_code
        == 200
    )
    return checkout_id


def _more_zones_and_methods(count: int) -> None:
    for i in range(count):
        zone = ShippingZone.objects.create(name=f"Zone {i}", countries=["AT", "DE"])
        method = ShippingMethod.objects.create(
            zone=zone, name=f"By weight {i}", rule="weight", position=10 + i
        )
        ShippingWeightBand.objects.bulk_create(
            ShippingWeightBand(method=method, max_weight_grams=1000 * (b + 1), price=500 + b)
            for b in range(4)
        )


@pytest.mark.parametrize("path", ["", "/shipping-methods"])
def test_pricing_costs_the_same_for_more_lines_zones_and_methods(
    shop, customer_client, django_assert_max_num_queries, path
):
    small = _filled(customer_client, ["MUG"], shop["dhl"].pk)
    with CaptureQueriesContext(connection) as small_read:
        assert customer_client.get(f"{BASE}/{small}{path}").status_code == 200
    baseline = len(small_read)  # now: the log is reset by the next request
    for i in range(15):
        ProductFactory(sku=f"SKU-{i}", name=f"Thing {i}", price_amount=100 + i, on_hand=50)
    _more_zones_and_methods(6)
    large = _filled(customer_client, ["MUG", "BOOK", *[f"SKU-{i}" for i in range(15)]], shop["dhl"].pk)

    with django_assert_max_num_queries(baseline):
        response = customer_client.get(f"{BASE}/{large}{path}")

    assert response.status_code == 200
    body = response.json()
    if path:
        assert len(body) == 8  # DHL, express and the six new zones' methods
    else:
        assert len(body["lines"]) == 17
