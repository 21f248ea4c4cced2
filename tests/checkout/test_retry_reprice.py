"""A placement retried under the same Idempotency-Key (the database went away after the payment was
authorized: 503, "retry with the same key") after the price changed in between: the retry finds the
authorization of the first attempt, for the old total. It must not place an order for the new total
on it: 409 naming the total, nothing charged again, and a new key pays the new total."""

import pytest
from django.db import OperationalError

from apps.catalog.contracts import ProductInput
from apps.catalog.documents import Variant
from apps.catalog.public import product_upsert
from apps.orders import services as orders_services
from apps.orders.contracts import Customer, LineRequest
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.checkout.helpers import BASE, complete, customer_checkout, eur, ready_checkout
from tests.factories.orders import ADDRESS
from tests.helpers import place

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def order_insert_fails_once(monkeypatch):
    """The first order INSERT meets a database outage (after payments committed the authorization)."""
    insert = orders_services._insert
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return insert(*args, **kwargs)

    monkeypatch.setattr(orders_services, "_insert", failing_once)
    return calls


def _mug_costs(amount: int) -> None:
    product_upsert(
        product=ProductInput(
            sku="MUG", name="Blue mug", category="kitchen", price_amount=amount, currency="EUR", on_hand=20
        )
    )


def _refused_for_the_new_total(response, *, authorized: int, total: int) -> None:
    assert response.status_code == 409, response.json()
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["type"].endswith("/payment-amount-changed")
    assert problem["errors"] == [
        {
            "pointer": "#/totals/total",
            "detail": f"The total is now {total}; this request's payment was authorized for {authorized}.",
            "code": "amount_changed",
        }
    ]
    assert (problem["authorized"], problem["total"]) == (eur(authorized), eur(total))


def test_a_checkout_retried_after_a_price_change_is_refused_not_placed_on_the_old_authorization(
    shop, customer_client, order_insert_fails_once
):
    created = customer_checkout(customer_client)
    ready_checkout(customer_client, created["id"], ("MUG", 1), method_id=shop["express"].pk)
    old_total = 1190 + 1290

    outage = complete(customer_client, created["id"], key="k")
    _mug_costs(1390)
    read = customer_client.get(f"{BASE}/{created['id']}").json()  # the customer sees the new total
    retry = complete(customer_client, created["id"], key="k")
    again = complete(customer_client, created["id"], key="k")
    fresh = complete(customer_client, created["id"], key="k2")

    assert outage.status_code == 503, outage.json()
    assert read["totals"]["total"] == eur(1390 + 1290)
    _refused_for_the_new_total(retry, authorized=old_total, total=1390 + 1290)
    assert again.content == retry.content and again["Idempotent-Replayed"] == "true"
    assert fresh.status_code == 201, fresh.json()
    order = Order.objects.get()
    payment = Payment.objects.get(pk=order.payment_id)
    assert (order.total_amount, payment.amount_authorized) == (1390 + 1290, 1390 + 1290)
    # The first authorization has no order: left to reconciliation, which voids it.
    [left] = Payment.objects.exclude(pk=order.payment_id)
    assert (left.status, left.amount_authorized) == ("authorized", old_total)


def test_an_order_retried_after_a_price_change_is_refused_not_placed_on_the_old_authorization(
    shop, customer_client, order_insert_fails_once
):
    outage = place(customer_client, ("MUG", 2), key="k")
    _mug_costs(1390)
    retry = place(customer_client, ("MUG", 2), key="k")

    assert outage.status_code == 503, outage.json()
    _refused_for_the_new_total(retry, authorized=2 * 1190, total=2 * 1390)
    assert not Order.objects.exists()


def test_a_retry_at_the_same_price_still_places_the_order_on_the_first_authorization(
    shop, customer_client, order_insert_fails_once
):
    created = customer_checkout(customer_client)
    ready_checkout(customer_client, created["id"], ("MUG", 1), method_id=shop["express"].pk)

    outage = complete(customer_client, created["id"], key="k")
    retry = complete(customer_client, created["id"], key="k")

    assert (outage.status_code, retry.status_code) == (503, 201), retry.json()
    order = Order.objects.get()
    assert Payment.objects.get().pk == order.payment_id  # the first authorization, not a second


def test_a_rerun_after_the_order_was_recorded_answers_that_order_whatever_the_price_now(shop, customer):
    """The answer was lost after the order committed (no stored response): the rerun of the same
    request finds its order, for the total it was placed at, and holds no stock."""
    request = {
        "customer": Customer(customer.pk, customer.email),
        "idempotency_key": "k",
        "lines": [LineRequest("MUG", 2)],
        "shipping_address": dict(ADDRESS),
        "payment_provider": "sandbox",
        "payment_method": "pm_sandbox_ok",
    }
    first = orders_services.order_create(**request)
    _mug_costs(1390)

    rerun = orders_services.order_create(**request)

    assert (rerun.pk, rerun.total_amount) == (first.pk, 2 * 1190)
    assert Payment.objects.count() == 1
    assert Variant.objects.get(sku="MUG").reserved == 0
