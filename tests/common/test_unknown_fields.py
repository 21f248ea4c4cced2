"""One rule for request bodies (apps/common/serializers.py `validated`): a top-level field the
endpoint does not take, or a read-only one, is a 400 naming it; nothing is written."""

import pytest
from rest_framework import serializers

from apps.accounts.models import Address
from apps.checkout.models import Checkout
from apps.common.serializers import validated
from apps.orders.models import Order
from tests.checkout.conftest import ADDRESS
from tests.checkout.helpers import BASE, customer_checkout
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request

pytestmark = pytest.mark.django_db


def errors(response) -> list[tuple[str, str]]:
    assert response["Content-Type"] == "application/problem+json", response.content
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


def test_a_misspelt_checkout_field_is_refused_and_nothing_changes(customer_client):
    checkout_id = customer_checkout(customer_client)["id"]

    response = customer_client.patch(f"{BASE}/{checkout_id}", {"shiping_address": ADDRESS}, format="json")

    assert (response.status_code, errors(response)) == (400, [("#/shiping_address", "unknown_field")])
    assert "shipping_address" in response.json()["errors"][0]["detail"]  # what it does take
    assert Checkout.objects.get(pk=checkout_id).shipping_address is None


def test_an_unknown_field_is_named_beside_the_other_faults(customer_client):
    ProductFactory(sku="MUG", on_hand=5)

    response = customer_client.post(
        "/api/v1/orders",
        {**order_request(("MUG", 1)), "lines": [], "coupon": "X"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 400
    assert errors(response) == [("#/lines", "empty"), ("#/coupon", "unknown_field")]
    assert not Order.objects.exists()


def test_a_read_only_field_is_refused_too(customer_client):
    saved = customer_client.post("/api/v1/accounts/me/addresses", {**ADDRESS, "id": 99}, format="json")

    assert (saved.status_code, errors(saved)) == (400, [("#/id", "read_only")])
    assert not Address.objects.exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/token", {"email": "a@example.com", "password": PASSWORD, "remember": True}),
        ("/api/v1/accounts", {"email": "new@example.com", "password": PASSWORD, "name": "Ada"}),
    ],
)
def test_the_rule_holds_on_endpoints_without_an_account_too(client, path, body):
    UserFactory(email="a@example.com")

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["unknown_field"]


def test_validated_takes_exactly_the_writable_fields():
    class Body(serializers.Serializer):
        name = serializers.CharField()
        note = serializers.CharField(required=False)
        id = serializers.IntegerField(read_only=True)

    assert validated(Body, {"name": "a"}) == {"name": "a"}
    assert validated(Body, {"name": "a", "note": "b"}) == {"name": "a", "note": "b"}
    with pytest.raises(serializers.ValidationError) as refused:
        validated(Body, {"name": "a", "nmae": "b", "id": 1})
    assert {k: [d.code for d in v] for k, v in refused.value.detail.items()} == {
        "nmae": ["unknown_field"],
        "id": ["read_only"],
    }
    # Not an object: the serializer's own answer, not a crash.
    with pytest.raises(serializers.ValidationError):
        validated(Body, ["name"])
