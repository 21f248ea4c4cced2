"""The whole storefront flow through the API, for a guest and for a customer: shipping by
weight, German tax (19 % standard, 7 % books), a voucher; every total to the cent."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.contracts import ProductInput
from apps.catalog.documents import Variant
from apps.catalog.public import product_upsert
from apps.checkout.models import Checkout, Voucher, VoucherRedemption
from apps.events.models import OutboxEvent
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.checkout.helpers import BASE, complete, customer_checkout, eur, guest_checkout, ready_checkout

pytestmark = pytest.mark.django_db(databases="__all__")

# MUG x2 (11.90 gross, 350 g) + BOOK x1 (20.00 gross, 800 g, books 7 %), voucher 10 %:
# subtotal 43.80, discount 4.38 spread 2.38 / 2.00; 1500 g -> DHL band up to 5 kg, 6.90.
# Tax (inside gross prices, half-up per line): MUG 21.42 x 19/119 = 3.42; BOOK 18.00 x 7/107 =
# 1.1776 -> 1.18; shipping 6.90 x 19/119 = 1.1017 -> 1.10. Total 43.80 - 4.38 + 6.90 = 46.32.
EXPECTED_TOTALS = {
    "subtotal": eur(4380),
    "discount": eur(438),
    "shipping": eur(690),
    "tax": eur(342 + 118 + 110),
    "total": eur(4632),
    "prices_include_tax": True,
}


@pytest.fixture
def welcome():
    return Voucher.objects.create(code="WELCOME10", kind="percentage", percentage=10, min_subtotal=1000)


def test_a_guest_checks_out_with_weight_shipping_tax_and_a_voucher(shop, welcome):
    client, created = guest_checkout("ada@example.com")
    checkout_id = created["id"]
    assert created["guest"] is True and created["problems"][0]["code"] == "empty"

    methods_before = client.get(f"{BASE}/{checkout_id}/shipping-methods").json()
    body = ready_checkout(
        client, checkout_id, ("MUG", 2), ("BOOK", 1), method_id=shop["dhl"].pk, voucher="welcome10"
    )
    methods = client.get(f"{BASE}/{checkout_id}/shipping-methods").json()

    assert methods_before == []  # no address yet
    assert methods == [
        {"id": shop["dhl"].pk, "name": "DHL Paket", "delivery_time": "2-3 working days", "price": eur(690)},
        {
            "id": shop["express"].pk,
            "name": "Express",
            "delivery_time": "next working day",
            "price": eur(1290),
        },
    ]
    assert body["totals"] == EXPECTED_TOTALS
    assert body["lines"] == [
        {
            "sku": "MUG",
            "name": "Blue mug",
            "quantity": 2,
            "unit_price": eur(1190),
            "line_total": eur(2380),
            "discount": eur(238),
            "tax": eur(342),
            "tax_rate": "19.00",
        },
        {
            "sku": "BOOK",
            "name": "A book",
            "quantity": 1,
            "unit_price": eur(2000),
            "line_total": eur(2000),
            "discount": eur(200),
            "tax": eur(118),
            "tax_rate": "7.00",
        },
    ]
    assert (body["weight_grams"], body["voucher_code"], body["ready"], body["problems"]) == (
        1500,
        "WELCOME10",
        True,
        [],
    )
    assert body["shipping_method"]["price"] == eur(690)

    response = complete(client, checkout_id)

    assert response.status_code == 201, response.json()
    done = response.json()
    order = Order.objects.get()
    assert done["status"] == "completed"
    assert done["order"] == {"id": str(order.pk), "number": order.number, "status": "placed"}
    assert (order.customer_id, order.customer_email) == (None, "ada@example.com")  # a guest's order
    assert (
        order.subtotal_amount,
        order.discount_amount,
        order.shipping_amount,
        order.shipping_tax_amount,
    ) == (
        4380,
        438,
        690,
        110,
    )
    assert (order.tax_amount, order.total_amount, order.shipping_method, order.voucher_code) == (
        570,
        4632,
        "DHL Paket",
        "WELCOME10",
    )
    assert list(
        order.lines.values_list(
            "sku", "unit_price", "quantity", "line_total", "discount_amount", "tax_amount"
        )
    ) == [
        ("MUG", 1190, 2, 2380, 238, 342),
        ("BOOK", 2000, 1, 2000, 200, 118),
    ]
    assert order.shipping_address["postal_code"] == "10117" and order.billing_address is None
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_authorized) == ("authorized", 4632)
    assert Variant.objects.get(sku="MUG").on_hand == 18
    welcome.refresh_from_db()
    assert welcome.used_count == 1
    assert VoucherRedemption.objects.get().discount_amount == 438
    created_event = OutboxEvent.objects.get(type="orders.OrderCreated.v1").envelope["data"]
    assert {
        k: created_event[k]
        for k in ("subtotal_amount", "shipping_amount", "discount_amount", "tax_amount", "total_amount")
    } == {
        "subtotal_amount": 4380,
        "shipping_amount": 690,
        "discount_amount": 438,
        "tax_amount": 570,
        "total_amount": 4632,
    }
    assert (
        created_event["shipping_method"],
        created_event["voucher_code"],
        created_event["customer_id"],
    ) == ("DHL Paket", "WELCOME10", 0)
    assert OutboxEvent.objects.filter(type="checkout.CheckoutCompleted.v1", subject=checkout_id).count() == 1


def test_a_customer_checks_out_and_reads_the_order_with_its_parts(shop, welcome, customer, customer_client):
    created = customer_checkout(customer_client)
    ready_checkout(
        customer_client, created["id"], ("MUG", 2), ("BOOK", 1), method_id=shop["dhl"].pk, voucher="WELCOME10"
    )

    response = complete(customer_client, created["id"])
    order_id = response.json()["order"]["id"]
    order = customer_client.get(f"/api/v1/orders/{order_id}").json()

    assert response.status_code == 201
    assert created["guest"] is False and created["email"] == customer.email and created["guest_token"] is None
    assert order["totals"] == EXPECTED_TOTALS
    assert order["total_amount"] == 4632
    assert (order["shipping_method"], order["voucher_code"]) == ("DHL Paket", "WELCOME10")
    assert [(line["sku"], line["discount"], line["tax"]) for line in order["lines"]] == [
        ("MUG", eur(238), eur(342)),
        ("BOOK", eur(200), eur(118)),
    ]
    assert Order.objects.get().customer_id == customer.pk


def test_net_prices_add_the_tax_on_top(shop, settings, customer_client):
    settings.CHECKOUT_PRICES_INCLUDE_TAX = False
    created = customer_checkout(customer_client)

    body = ready_checkout(customer_client, created["id"], ("MUG", 1), method_id=shop["express"].pk)

    # 11.90 net x 19 % = 2.261 -> 2.26; express 12.90 x 19 % = 2.451 -> 2.45
    assert body["totals"] == {
        "subtotal": eur(1190),
        "discount": eur(0),
        "shipping": eur(1290),
        "tax": eur(226 + 245),
        "total": eur(1190 + 1290 + 226 + 245),
        "prices_include_tax": False,
    }


def test_a_price_change_between_read_and_complete_is_a_409_with_the_new_totals_and_charges_nothing(
    shop, customer_client
):
    created = customer_checkout(customer_client)
    ready_checkout(customer_client, created["id"], ("MUG", 1), method_id=shop["express"].pk)
    product_upsert(
        product=ProductInput(
            sku="MUG", name="Blue mug", category="kitchen", price_amount=1290, currency="EUR", on_hand=20
        )
    )

    refused = complete(customer_client, created["id"], key="first")
    accepted = complete(customer_client, created["id"], key="second")

    assert refused.status_code == 409, refused.json()
    problem = refused.json()
    assert problem["type"].endswith("/price-changed")
    assert problem["previous_total"] == 1190 + 1290
    assert problem["checkout"]["totals"]["total"] == eur(1290 + 1290)
    assert problem["checkout"]["lines"][0]["unit_price"] == eur(1290)
    assert accepted.status_code == 201, accepted.json()
    assert Order.objects.get().total_amount == 2580
    assert Payment.objects.count() == 1  # the refused attempt reached no provider


def test_a_read_reports_a_price_change_once(shop, customer_client):
    created = customer_checkout(customer_client)
    ready_checkout(customer_client, created["id"], ("MUG", 1), method_id=shop["express"].pk)
    product_upsert(
        product=ProductInput(
            sku="MUG", name="Blue mug", category="kitchen", price_amount=990, currency="EUR", on_hand=20
        )
    )

    first = customer_client.get(f"{BASE}/{created['id']}").json()
    second = customer_client.get(f"{BASE}/{created['id']}").json()

    assert first["problems"] == [
        {
            "code": "price_changed",
            "detail": "The price of MUG changed from 1190 to 990.",
            "pointer": "#/lines/0",
            "sku": "MUG",
            "previous": 1190,
            "current": 990,
        }
    ]
    assert first["ready"] is True
    assert second["problems"] == []
    assert Checkout.objects.get().quoted_total == 990 + 1290


def test_a_completion_costs_a_known_number_of_statements(shop, customer_client):
    checkout_id = customer_checkout(customer_client)["id"]
    ready_checkout(customer_client, checkout_id, ("MUG", 1), method_id=shop["express"].pk)

    with CaptureQueriesContext(connection) as queries:
        response = complete(customer_client, checkout_id)

    assert response.status_code == 201
    # idempotency claim (no token lookup: the requests before cached it); the checkout read, claim,
    # re-read and its pricing (lines, tax rates, zones, methods, bands); payment insert; in one
    # transaction (savepoints here) the payment update, its audit row, its outbox row, order,
    # lines, status row, OrderCreated, checkout completed, CheckoutCompleted;
    # the idempotency completion. Left out: savepoints (the test's transaction) and the backpressure
    # sample, which a process takes every few seconds, not per request.
    sampled = ('SELECT MIN("events_outboxevent"', 'SELECT COUNT(*) AS "__count" FROM "events_')
    left_out = ("SAVEPOINT", "RELEASE", *sampled)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(left_out)]
    assert len(statements) == 20, "\n".join(s[:100] for s in statements)
