"""A completed checkout is a record of what was charged: read later, it shows the order's lines,
charges and totals as placed (never re-priced from today's catalog, vouchers or rates), and every
change is a 409."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.contracts import ProductInput
from apps.catalog.public import product_upsert
from apps.checkout.models import Checkout, TaxRate, Voucher
from apps.orders.models import Order
from tests.checkout.conftest import ADDRESS
from tests.checkout.helpers import BASE, complete, customer_checkout, eur, guest_checkout, ready_checkout

pytestmark = pytest.mark.django_db(databases="__all__")


def _mug_price(amount: int) -> None:
    product_upsert(
        product=ProductInput(
            sku="MUG", name="Blue mug", category="kitchen", price_amount=amount, currency="EUR", on_hand=20
        )
    )


def test_a_customers_completed_checkout_reads_as_charged_after_the_voucher_is_used_up(shop, customer_client):
    Voucher.objects.create(code="WELCOME10", kind="percentage", percentage=10, per_customer_limit=1)
    checkout_id = customer_checkout(customer_client)["id"]
    ready_checkout(
        customer_client, checkout_id, ("MUG", 2), ("BOOK", 1), method_id=shop["dhl"].pk, voucher="WELCOME10"
    )
    done = complete(customer_client, checkout_id)
    assert done.status_code == 201, done.json()

    read = customer_client.get(f"{BASE}/{checkout_id}").json()

    order = Order.objects.get()
    assert (read["totals"]["discount"], read["totals"]["total"]) == (eur(438), eur(order.total_amount))
    assert read["totals"]["total"] == eur(4632)
    assert read["problems"] == [] and read["ready"] is False
    assert read["voucher_code"] == "WELCOME10"
    assert read["order"] == {"id": str(order.pk), "number": order.number, "status": "placed"}
    assert read["expires_at"] is None
    # The 201 and every later read are one frozen record.
    assert read == done.json()


def test_a_guests_completed_checkout_keeps_the_price_it_was_charged_at(shop):
    _mug_price(1290)  # a temporary price
    client, created = guest_checkout()
    ready_checkout(client, created["id"], ("MUG", 2), method_id=shop["express"].pk)
    assert complete(client, created["id"]).status_code == 201
    _mug_price(1190)  # staff reset it
    TaxRate.objects.filter(country="DE", tax_class="").update(rate=16)
    Order.objects.update(status="shipped")

    read = client.get(f"{BASE}/{created['id']}").json()

    assert read["status"] == "completed"
    assert read["problems"] == [] and read["ready"] is False
    assert read["lines"] == [
        {
            "sku": "MUG",
            "name": "Blue mug",
            "quantity": 2,
            "unit_price": eur(1290),
            "line_total": eur(2580),
            "discount": eur(0),
            "tax": eur(412),  # 25.80 x 19/119 = 4.119
            "tax_rate": "19.00",
        }
    ]
    assert read["totals"]["total"] == eur(2580 + 1290)
    assert read["totals"]["total"] == eur(Order.objects.get().total_amount)
    assert read["shipping_method"]["name"] == "Express"
    assert read["shipping_address"]["postal_code"] == ADDRESS["postal_code"]
    assert read["order"]["status"] == "shipped"
    assert Checkout.objects.get().quoted_total == 2580 + 1290  # a read of a completed one writes nothing


def test_a_completed_checkout_refuses_every_change_with_a_409(shop, one_use_voucher, customer_client):
    checkout_id = customer_checkout(customer_client)["id"]
    ready_checkout(customer_client, checkout_id, ("MUG", 1), method_id=shop["dhl"].pk, voucher="ONCE")
    assert complete(customer_client, checkout_id).status_code == 201
    url = f"{BASE}/{checkout_id}"

    answers = [
        customer_client.patch(url, {"shipping_address": ADDRESS}, format="json"),
        customer_client.patch(url, {"shipping_address": {**ADDRESS, "postal_code": "x"}}, format="json"),
        customer_client.post(f"{url}/lines", {"sku": "MUG", "quantity": 1}, format="json"),
        customer_client.post(f"{url}/lines", {"sku": "NOPE", "quantity": 1}, format="json"),
        customer_client.patch(f"{url}/lines/MUG", {"quantity": 3}, format="json"),
        customer_client.delete(f"{url}/lines/MUG"),
        customer_client.put(f"{url}/shipping-method", {"id": shop["express"].pk}, format="json"),
        customer_client.put(f"{url}/voucher", {"code": "ONCE"}, format="json"),  # used up now
        customer_client.delete(f"{url}/voucher"),
        customer_client.get(f"{url}/shipping-methods"),
        complete(customer_client, checkout_id, key="another"),
    ]

    order_id = str(Order.objects.get().pk)
    for response in answers:
        assert response.status_code == 409, (response.request["PATH_INFO"], response.json())
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"].endswith("/checkout-completed"), problem
        assert problem["order_id"] == order_id


def test_a_completed_checkout_stays_readable_after_its_expiry(shop):
    client, created = guest_checkout()
    ready_checkout(client, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    assert complete(client, created["id"]).status_code == 201
    Checkout.objects.update(expires_at=timezone.now() - timedelta(days=1))

    read = client.get(f"{BASE}/{created['id']}")

    assert read.status_code == 200, read.json()
    assert read.json()["order"]["number"] == Order.objects.get().number


def test_a_guest_token_still_cannot_read_orders(shop):
    client, created = guest_checkout()
    ready_checkout(client, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    order_id = complete(client, created["id"]).json()["order"]["id"]

    # The guest's record is the completed checkout; /orders stays for accounts.
    assert client.get(f"/api/v1/orders/{order_id}").status_code == 401


def test_a_checkout_completed_before_it_kept_its_charges_is_a_409_naming_its_order(shop, customer_client):
    checkout_id = customer_checkout(customer_client)["id"]
    ready_checkout(customer_client, checkout_id, ("MUG", 1), method_id=shop["dhl"].pk)
    assert complete(customer_client, checkout_id).status_code == 201
    Checkout.objects.update(charged=None)  # as completed by the release before `charged`

    read = customer_client.get(f"{BASE}/{checkout_id}")

    # Never re-priced: the order (GET /orders/{id}) is its record.
    assert read.status_code == 409 and read.json()["order_id"] == str(Order.objects.get().pk)
