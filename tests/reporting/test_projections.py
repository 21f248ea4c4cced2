"""Every orders and payments event type lands in the projections, with the event's own times."""

import uuid
from datetime import date

import pytest

from apps.orders.contracts import SYSTEM
from apps.orders.models import Order
from apps.orders.services import order_deliver
from apps.reporting.models import DailySales, OrderFact, PaymentFact
from apps.reporting.projections import daily_sales_rebuild
from tests.helpers import drain_outbox
from tests.reporting.conftest import event_time, event_times

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])


def _sales() -> list[tuple]:
    return list(
        DailySales.objects.order_by("day", "currency", "status").values_list(
            "day", "currency", "status", "orders", "items", "gross_amount", "refunded_amount"
        )
    )


def _refund(staff_client, payment_id, amount: int, key: str):
    return staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_placed_order_is_projected_then_paid_by_the_immediate_capture(place_mugs):
    order_id = place_mugs(2)["id"]

    outcomes = drain_outbox()

    mine = [(t, h, o) for t, h, o in outcomes if h.startswith("project_")]
    assert mine == [
        ("payments.PaymentAuthorized.v1", "project_payment", "processed"),
        ("orders.OrderCreated.v1", "project_order", "processed"),
        ("payments.PaymentCaptured.v1", "project_payment", "processed"),
        ("orders.OrderPaid.v1", "project_order", "processed"),
    ]
    order = Order.objects.get()
    fact = OrderFact.objects.get()
    placed_at = event_time("orders.OrderCreated.v1", order_id)
    assert (str(fact.order_id), fact.number, fact.customer_id) == (order_id, order.number, order.customer_id)
    assert (fact.status, fact.currency, fact.total_amount, fact.item_count) == ("paid", "EUR", 2500, 2)
    assert (fact.payment_id, fact.payment_status, fact.amount_captured, fact.amount_refunded) == (
        order.payment_id,
        "captured",
        2500,
        0,
    )
    assert (fact.placed_at, fact.placed_on) == (placed_at, placed_at.date())
    assert fact.paid_at == event_time("orders.OrderPaid.v1", order_id)
    assert (fact.shipped_at, fact.delivered_at, fact.cancelled_at, fact.refunded_at) == (None,) * 4
    assert (fact.aggregate_version, fact.payment_version) == (2, 3)
    payment = PaymentFact.objects.get()
    payment_id = str(order.payment_id)
    assert (str(payment.order_id), payment.provider, payment.status, payment.currency) == (
        order_id,
        "sandbox",
        "captured",
        "EUR",
    )
    assert (payment.amount_authorized, payment.amount_captured, payment.amount_refunded) == (2500, 2500, 0)
    assert payment.authorized_at == event_time("payments.PaymentAuthorized.v1", payment_id)
    assert payment.captured_at == event_time("payments.PaymentCaptured.v1", payment_id)
    assert payment.aggregate_version == 3
    assert _sales() == [(placed_at.date(), "EUR", "paid", 1, 2, 2500, 0)]


def test_shipped_and_delivered_orders_move_between_daily_sales_statuses(place_mugs, staff_client):
    first = place_mugs(1, key="a")["id"]
    place_mugs(3, key="b")
    drain_outbox()

    staff_client("fulfilment").post(
        f"/api/v1/orders/{first}/ship",
        {"carrier": "DHL", "tracking_number": "T1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    drain_outbox()
    shipped = OrderFact.objects.get(order_id=first)
    order_deliver(order=Order.objects.get(pk=first), actor=SYSTEM)
    outcomes = drain_outbox()

    assert ("orders.OrderDelivered.v1", "project_order", "processed") in outcomes
    fact = OrderFact.objects.get(order_id=first)
    assert (shipped.status, shipped.aggregate_version) == ("shipped", 3)
    assert (fact.status, fact.aggregate_version) == ("delivered", 4)
    assert fact.shipped_at == event_time("orders.OrderShipped.v1", first)
    assert fact.delivered_at == event_time("orders.OrderDelivered.v1", first)
    today = fact.placed_on
    assert _sales() == [(today, "EUR", "delivered", 1, 1, 1250, 0), (today, "EUR", "paid", 1, 3, 3750, 0)]


def test_a_cancelled_placed_order_and_its_voided_payment(settings, place_mugs, customer_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    order_id = place_mugs(2)["id"]
    drain_outbox()

    customer_client.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    outcomes = drain_outbox()

    assert ("orders.OrderCancelled.v1", "project_order", "processed") in outcomes
    assert ("payments.PaymentVoided.v1", "project_payment", "processed") in outcomes
    fact = OrderFact.objects.get()
    assert (fact.status, fact.payment_status, fact.amount_captured, fact.paid_at) == (
        "cancelled",
        "voided",
        0,
        None,
    )
    assert fact.cancelled_at == event_time("orders.OrderCancelled.v1", order_id)
    payment = PaymentFact.objects.get()
    assert payment.status == "voided"
    assert payment.voided_at == event_time("payments.PaymentVoided.v1", str(payment.payment_id))
    assert _sales() == [(fact.placed_on, "EUR", "cancelled", 1, 2, 2500, 0)]


def test_partial_then_full_refunds_sum_up_and_the_order_becomes_refunded(place_mugs, staff_client):
    order_id = place_mugs(4)["id"]
    drain_outbox()
    payment_id = str(Order.objects.get().payment_id)

    _refund(staff_client, payment_id, 1000, "r1")
    drain_outbox()
    partial = OrderFact.objects.get()
    _refund(staff_client, payment_id, 4000, "r2")
    outcomes = drain_outbox()

    assert (partial.status, partial.payment_status, partial.amount_refunded) == (
        "paid",
        "partially_refunded",
        1000,
    )
    assert ("orders.OrderRefunded.v1", "project_order", "processed") in outcomes
    fact = OrderFact.objects.get()
    assert (fact.status, fact.payment_status, fact.amount_refunded, fact.payment_version) == (
        "refunded",
        "refunded",
        5000,
        5,
    )
    assert fact.refunded_at == event_time("orders.OrderRefunded.v1", order_id)
    payment = PaymentFact.objects.get()
    assert (payment.status, payment.amount_refunded, payment.aggregate_version) == ("refunded", 5000, 5)
    assert payment.refunded_at == event_times("payments.PaymentRefunded.v1", payment_id)[-1]
    assert _sales() == [(fact.placed_on, "EUR", "refunded", 1, 4, 5000, 5000)]


def test_a_declined_payment_is_a_failed_payment_fact_and_no_order(place_mugs):
    place_mugs(1, method="pm_sandbox_declined")

    outcomes = drain_outbox()

    assert [(t, h, o) for t, h, o in outcomes if h.startswith("project_")] == [
        ("payments.PaymentFailed.v1", "project_payment", "processed")
    ]
    payment = PaymentFact.objects.get()
    assert (payment.status, payment.failure_code, payment.authorized_at) == ("failed", "card_declined", None)
    assert payment.failed_at is not None
    assert OrderFact.objects.count() == 0  # a declined attempt never became an order
    assert _sales() == []


def test_daily_sales_group_by_utc_day_and_currency(place_mugs):
    place_mugs(1)
    drain_outbox()
    OrderFact.objects.create(
        order_id=uuid.uuid4(), status="paid", currency="USD", total_amount=700, item_count=1,
        placed_on=date(2026, 1, 31), aggregate_version=2,
    )  # fmt: skip
    daily_sales_rebuild(day=date(2026, 1, 31), currency="USD")

    today = OrderFact.objects.get(currency="EUR").placed_on
    assert _sales() == [
        (date(2026, 1, 31), "USD", "paid", 1, 1, 700, 0),
        (today, "EUR", "paid", 1, 1, 1250, 0),
    ]
