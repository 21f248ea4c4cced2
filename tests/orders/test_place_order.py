import pytest

from apps.catalog.documents import Product, Reservation
from apps.events.models import OutboxEvent
from apps.orders.models import Order, OrderStatusChange
from apps.payments.models import Payment
from tests.factories.catalog import ProductFactory
from tests.orders.conftest import drain_outbox, place

pytestmark = pytest.mark.django_db


def test_placing_an_order_authorizes_payment_commits_stock_and_records_the_order(customer, customer_client):
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    ProductFactory(sku="TEA", price_amount=599, on_hand=50)

    response = place(customer_client, ("MUG", 2), ("TEA", 1))

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == str(order.pk)
    assert body["status"] == "placed"
    assert body["total_amount"] == 2 * 1250 + 599
    assert body["currency"] == "EUR"
    assert body["item_count"] == 3
    assert body["lines"] == [
        {
            "sku": "MUG",
            "name": order.lines.get(sku="MUG").name,
            "unit_price": 1250,
            "quantity": 2,
            "line_total": 2500,
        },
        {
            "sku": "TEA",
            "name": order.lines.get(sku="TEA").name,
            "unit_price": 599,
            "quantity": 1,
            "line_total": 599,
        },
    ]
    assert body["allowed_actions"] == ["cancel", "ship"]
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_authorized, payment.order_id) == ("authorized", 3099, order.pk)
    assert order.customer_id == customer.pk
    assert Product.objects.get(sku="MUG").on_hand == 8  # committed: left stock for good
    assert Product.objects.get(sku="TEA").available == 49
    assert Reservation.objects.get().status == "committed"
    assert list(OrderStatusChange.objects.values_list("from_status", "to_status")) == [("", "placed")]
    assert sorted(OutboxEvent.objects.values_list("type", flat=True)) == [
        "orders.OrderCreated.v1",
        "payments.PaymentAuthorized.v1",
    ]


def test_immediate_capture_policy_marks_the_order_paid(customer_client):
    ProductFactory(sku="MUG", price_amount=1250)
    order_id = place(customer_client, ("MUG", 1)).json()["id"]

    outcomes = drain_outbox()

    order = Order.objects.get(pk=order_id)
    assert order.status == "paid"
    assert Payment.objects.get().status == "captured"
    assert outcomes == [
        ("orders.OrderCreated.v1", "processed"),  # capture_when_immediate
        ("orders.OrderCreated.v1", "processed"),  # commit_stock (already committed: no change)
        ("payments.PaymentCaptured.v1", "processed"),  # mark_paid
    ]
    assert list(order.status_changes.values_list("to_status", "actor")) == [
        ("placed", f"customer {order.customer_id} <{order.customer_email}>"),
        ("paid", "system"),
    ]
