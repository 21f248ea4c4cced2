"""The order JSON depends on who asks: the actions offered are the caller's own, and the refunds
(partial ones too) are part of the order the customer reads."""

import pytest

from apps.orders.models import Order
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def placed(settings, customer_client) -> dict:
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    return place(customer_client, ("MUG", 2)).json()


@pytest.mark.parametrize(
    ("role", "actions"),
    [(None, ["cancel"]), ("fulfilment", ["ship"]), ("support", ["cancel"]), ("finance", [])],
)
def test_allowed_actions_are_only_what_the_caller_may_do(
    customer_client, staff_client, placed, role, actions
):
    client = customer_client if role is None else staff_client(role)

    body = client.get(f"/api/v1/orders/{placed['id']}").json()

    assert body["allowed_actions"] == actions


def test_a_shipped_order_offers_the_customer_nothing_and_fulfilment_delivery(
    customer_client, staff_client, placed
):
    fulfilment = staff_client("fulfilment")
    fulfilment.post(
        f"/api/v1/orders/{placed['id']}/ship",
        {"carrier": "DHL", "tracking_number": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )

    assert customer_client.get(f"/api/v1/orders/{placed['id']}").json()["allowed_actions"] == []
    assert fulfilment.get(f"/api/v1/orders/{placed['id']}").json()["allowed_actions"] == ["deliver"]


def test_the_customer_sees_a_partial_refund_on_the_order_and_in_the_list(customer_client, staff_client):
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    order_id = place(customer_client, ("MUG", 2)).json()["id"]
    drain_outbox()  # immediate capture
    payment_id = Order.objects.get().payment_id
    staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": 500}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    drain_outbox()

    detail = customer_client.get(f"/api/v1/orders/{order_id}").json()
    listed = customer_client.get("/api/v1/orders").json()["results"][0]

    assert (detail["status"], detail["amount_refunded"]) == ("paid", 500)
    assert [r["amount"] for r in detail["refunds"]] == [500]
    assert (listed["amount_refunded"], [r["amount"] for r in listed["refunds"]]) == (500, [500])
    # The same money in the one Money shape beside v1's integers (deprecated, kept for v1)
    eur = lambda amount: {"amount": amount, "currency": "EUR"}  # noqa: E731
    assert (detail["refunded"], [r["refunded"] for r in detail["refunds"]]) == (eur(500), [eur(500)])
    assert (detail["lines"][0]["price"], detail["lines"][0]["total"]) == (eur(1250), eur(2500))
    assert (detail["totals"]["total"], detail["total_amount"]) == (eur(2500), 2500)
    payment = staff_client("finance").get(f"/api/v1/payments/{payment_id}").json()
    assert [payment[k] for k in ("requested", "authorized", "captured", "refunded")] == [
        eur(2500), eur(2500), eur(2500), eur(500),
    ]  # fmt: skip
    assert [r["refunded"] for r in payment["refunds"]] == [eur(500)]


def test_a_capture_refused_at_shipping_marks_the_orders_payment_capture_failed(
    customer_client, staff_client, placed, settings
):
    ProductFactory(sku="BAD", on_hand=5)
    order_id = place(customer_client, ("BAD", 1), key="bad", method="pm_sandbox_capture_fails").json()["id"]
    drain_outbox()

    response = staff_client("fulfilment").post(
        f"/api/v1/orders/{order_id}/ship",
        {"carrier": "DHL", "tracking_number": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    drain_outbox()

    assert response.status_code == 402
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.payment_status) == ("placed", "capture_failed")
