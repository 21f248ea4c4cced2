"""A customer's checkout takes addresses from the address book (accounts), as copies."""

import pytest

from apps.accounts.models import Address as AddressRow
from apps.checkout.models import Checkout
from apps.orders.models import Order
from tests.checkout.helpers import BASE, complete, customer_checkout, guest_checkout
from tests.factories.accounts import UserFactory, token_client

pytestmark = pytest.mark.django_db
BOOK = "/api/v1/accounts/me/addresses"
LONDON = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
    "phone": "+44 7911 123456",
}
BERLIN = {
    "name": "Ada L.",
    "line1": "Unter den Linden 1",
    "line2": "3. OG",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
    "region": "Berlin",
}


def saved(client, address: dict) -> int:
    response = client.post(BOOK, address, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_saved_addresses_are_copied_into_the_checkout_and_the_order_keeps_them(shop, customer_client):
    berlin, london = saved(customer_client, BERLIN), saved(customer_client, LONDON)
    checkout_id = customer_checkout(customer_client)["id"]
    customer_client.post(f"{BASE}/{checkout_id}/lines", {"sku": "MUG", "quantity": 1}, format="json")

    response = customer_client.patch(
        f"{BASE}/{checkout_id}", {"shipping_address_id": berlin, "billing_address_id": london}, format="json"
    )
    # The book changes after the checkout took the addresses: neither the checkout nor the order follows.
    customer_client.patch(f"{BOOK}/{berlin}", {"line1": "Elsewhere 9"}, format="json")
    customer_client.put(f"{BASE}/{checkout_id}/shipping-method", {"id": shop["dhl"].pk}, format="json")
    customer_client.get(f"{BASE}/{checkout_id}")
    completed = complete(customer_client, checkout_id)

    assert response.status_code == 200, response.json()
    assert response.json()["shipping_address"] == {
        "name": "Ada L.",
        "line1": "Unter den Linden 1",
        "line2": "3. OG",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
        "phone": "",
        "region": "Berlin",
    }
    assert response.json()["billing_address"]["phone"] == "+447911123456"
    assert response.json()["billing_address"]["postal_code"] == "N1 9GU"
    assert completed.status_code == 201, completed.json()
    order = Order.objects.get()
    assert order.shipping_address["line1"] == "Unter den Linden 1"
    assert (order.billing_address["city"], order.billing_address["country"]) == ("London", "GB")


@pytest.mark.parametrize("field", ["shipping_address_id", "billing_address_id"])
def test_another_customers_address_is_refused_naming_the_field_and_nothing_changes(
    shop, customer_client, field
):
    someone_else = token_client(UserFactory())
    theirs = saved(someone_else, LONDON)
    checkout_id = customer_checkout(customer_client)["id"]

    response = customer_client.patch(
        f"{BASE}/{checkout_id}", {field: theirs, "email": "new@example.com"}, format="json"
    )

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(f"#/{field}", "not_found")]
    checkout = Checkout.objects.get(pk=checkout_id)
    assert (checkout.shipping_address, checkout.billing_address) == (None, None)
    assert checkout.email != "new@example.com"


def test_a_guest_has_no_address_book(shop, customer_client):
    mine = saved(customer_client, LONDON)
    client, created = guest_checkout()

    response = client.patch(f"{BASE}/{created['id']}", {"shipping_address_id": mine}, format="json")

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("#/shipping_address_id", "not_found")
    ]
    assert Checkout.objects.get(pk=created["id"]).shipping_address is None


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"shipping_address_id": 1, "shipping_address": BERLIN}, "#/shipping_address"),
        ({"billing_address_id": 1, "billing_address": BERLIN}, "#/billing_address"),
        ({"shipping_address_id": 0}, "#/shipping_address_id"),
        ({"billing_address_id": "x"}, "#/billing_address_id"),
    ],
)
def test_an_address_and_its_id_together_or_a_bad_id_are_refused(shop, customer_client, body, pointer):
    checkout_id = customer_checkout(customer_client)["id"]

    response = customer_client.patch(f"{BASE}/{checkout_id}", body, format="json")

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


@pytest.mark.parametrize("field", ["shipping_address_id", "billing_address_id"])
def test_a_bad_saved_address_is_refused_naming_the_id_the_client_sent(shop, customer, customer_client, field):
    # Saved before the address book checked postal codes.
    row = AddressRow.objects.create(account=customer, is_default=True, **{**BERLIN, "postal_code": "ABCDE"})
    checkout_id = customer_checkout(customer_client)["id"]

    response = customer_client.patch(f"{BASE}/{checkout_id}", {field: row.pk}, format="json")

    assert response.status_code == 400, response.json()
    assert response.headers["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["pointer"], error["code"]) == (f"#/{field}", "saved_address_invalid")
    assert "postal_code" in error["detail"]
    checkout = Checkout.objects.get(pk=checkout_id)
    assert (checkout.shipping_address, checkout.billing_address) == (None, None)
