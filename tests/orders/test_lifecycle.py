"""After placement: cancel, ship, deliver, refund; who may do what; optimistic locking."""

import pytest

from apps.catalog.documents import Reservation, Variant
from apps.orders.contracts import SYSTEM, ConcurrentUpdate
from apps.orders.models import Order
from apps.orders.services import order_deliver, order_mark_paid
from apps.payments.models import Payment
from tests.factories.accounts import UserFactory, token_client
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

# Events fan out to every module's handlers, reporting's database included.
pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def placed(customer_client) -> dict:
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    return place(customer_client, ("MUG", 2)).json()


def _cancel(client, order_id, key="cancel-1", **body):
    return client.post(f"/api/v1/orders/{order_id}/cancel", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _ship(client, order_id, carrier="DHL", tracking_number="JD0001", key="ship-1"):
    body = {"carrier": carrier, "tracking_number": tracking_number}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/orders/{order_id}/ship", body, format="json", **headers)


def _deliver(client, order_id, key="deliver-1"):
    return client.post(f"/api/v1/orders/{order_id}/deliver", format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_customer_cancels_a_placed_order_the_authorization_is_voided_and_stock_returns(
    customer_client, placed
):
    response = _cancel(customer_client, placed["id"], reason="changed my mind")
    drain_outbox()

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["allowed_actions"] == []
    order = Order.objects.get()
    assert list(order.status_changes.values_list("from_status", "to_status", "reason")) == [
        ("", "placed", "placed"),
        ("placed", "cancelled", "changed my mind"),
    ]
    assert Payment.objects.get().status == "voided"
    assert order.payment_status == "voided"
    product = Variant.objects.get(sku="MUG")
    assert (product.on_hand, product.available) == (10, 10)
    assert Reservation.objects.get().status == "returned"


def test_cancelling_a_paid_order_refunds_it_in_full(customer_client, placed):
    drain_outbox()  # immediate capture: the order is paid
    assert Order.objects.get().status == "paid"

    _cancel(customer_client, placed["id"])
    drain_outbox()

    payment = Payment.objects.get()
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == ("refunded", 2500, 2500)
    assert Order.objects.get().status == "cancelled"  # not "refunded": the cancellation said why


def test_a_shipped_order_cannot_be_cancelled_409_names_its_status(customer_client, staff_client, placed):
    _ship(staff_client("fulfilment"), placed["id"])

    response = _cancel(customer_client, placed["id"])

    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/illegal-transition")
    assert body["current_status"] == "shipped"
    assert body["detail"] == "An order that is shipped cannot be cancelled."
    assert Order.objects.get().status == "shipped"


def test_fulfilment_ships_a_placed_order_capturing_it_first(settings, staff_client, placed):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"

    response = _ship(staff_client("fulfilment"), placed["id"])

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == ("shipped", "DHL", "JD0001")
    order = Order.objects.get()
    assert [(c.from_status, c.to_status, c.actor) for c in order.status_changes.all()][1:] == [
        ("placed", "paid", "system"),
        ("paid", "shipped", order.status_changes.last().actor),
    ]
    assert order.status_changes.last().actor.startswith("staff ")
    assert Payment.objects.get().status == "captured"


def test_a_capture_refused_at_shipping_is_402_and_nothing_ships(settings, customer_client, staff_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG")
    order_id = place(customer_client, ("MUG", 1), method="pm_sandbox_capture_fails").json()["id"]

    response = _ship(staff_client("fulfilment"), order_id)

    assert response.status_code == 402
    assert response.json()["decline_code"] == "capture_failed"
    assert Order.objects.get().status == "placed"
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code) == ("authorized", "capture_failed")


def test_an_immediate_capture_that_is_refused_leaves_the_order_placed_without_retrying(customer_client):
    ProductFactory(sku="MUG")
    place(customer_client, ("MUG", 1), method="pm_sandbox_capture_fails")

    outcomes = drain_outbox()

    assert ("orders.OrderCreated.v1", "capture_when_immediate", "processed") in outcomes
    assert Order.objects.get().status == "placed"
    assert Payment.objects.get().failure_code == "capture_failed"


@pytest.mark.parametrize("role", [None, "support", "finance"])
def test_only_fulfilment_may_ship(customer_client, staff_client, placed, role):
    client = customer_client if role is None else staff_client(role)

    response = _ship(client, placed["id"])

    assert response.status_code == 403
    assert Order.objects.get().status == "placed"


def test_support_may_cancel_a_customers_order_and_is_recorded_as_staff(staff_client, placed):
    response = _cancel(staff_client("support"), placed["id"], reason="customer called")

    assert response.status_code == 200
    assert Order.objects.get().status_changes.last().actor.startswith("staff ")


def test_fulfilment_may_not_cancel(staff_client, placed):
    assert _cancel(staff_client("fulfilment"), placed["id"]).status_code == 403


def test_another_customers_order_is_404_everywhere(placed):
    stranger = token_client(UserFactory())

    assert stranger.get(f"/api/v1/orders/{placed['id']}").status_code == 404
    assert _cancel(stranger, placed["id"]).status_code == 404
    assert stranger.get("/api/v1/orders").json()["results"] == []
    assert Order.objects.get().status == "placed"


def test_customers_list_and_read_their_own_orders_newest_first(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    first = place(customer_client, ("MUG", 1), key="a").json()
    second = place(customer_client, ("MUG", 2), key="b").json()

    listed = customer_client.get("/api/v1/orders").json()
    detail = customer_client.get(f"/api/v1/orders/{first['id']}")

    assert [o["id"] for o in listed["results"]] == [second["id"], first["id"]]
    assert detail.status_code == 200
    assert detail.json() == first


def test_a_stale_version_loses_the_race_with_409_and_changes_nothing(placed):
    stale = Order.objects.get()
    fresh = Order.objects.get()
    order_mark_paid(order=fresh)

    with pytest.raises(ConcurrentUpdate) as lost:
        order_mark_paid(order=stale)

    assert lost.value.status == "paid"
    order = Order.objects.get()
    assert (order.status, order.version) == ("paid", 2)
    assert order.status_changes.count() == 2


def test_a_lost_race_through_the_api_is_409_concurrent_update(customer_client, placed, monkeypatch):
    stale = Order.objects.get()
    order_mark_paid(order=Order.objects.get())
    # The API read the order before the other writer committed: hand it that stale copy.
    monkeypatch.setattr("apps.orders.api.views.order_visible_to", lambda user, order_id: stale)

    response = _cancel(customer_client, placed["id"])

    assert response.status_code == 409
    assert response.json()["type"].endswith("/concurrent-update")
    assert response.json()["current_status"] == "paid"
    assert Order.objects.get().status == "paid"


def test_delivered_then_fully_refunded_by_finance_becomes_refunded(staff_client, placed):
    drain_outbox()
    _ship(staff_client("fulfilment"), placed["id"])
    order_deliver(order=Order.objects.get(), actor=SYSTEM)
    payment_id = Order.objects.get().payment_id

    response = staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds",
        {"amount": 2500, "reason": "damaged"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )
    drain_outbox()

    assert response.status_code == 201
    assert Order.objects.get().status == "refunded"
    assert [c.to_status for c in Order.objects.get().status_changes.all()] == [
        "placed",
        "paid",
        "shipped",
        "delivered",
        "refunded",
    ]


def test_a_partial_refund_is_recorded_on_the_payment_and_the_order_stays(staff_client, placed):
    drain_outbox()
    payment_id = Order.objects.get().payment_id

    staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": 500}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    drain_outbox()

    order = Order.objects.get()
    assert (order.status, order.payment_status) == ("paid", "partially_refunded")


def test_ship_and_deliver_take_an_idempotency_key_and_replay_the_first_answer(staff_client, placed):
    fulfilment = staff_client("fulfilment")
    assert _ship(fulfilment, placed["id"], key=None).status_code == 400  # the header is required

    first = _ship(fulfilment, placed["id"], key="ship-once")
    again = _ship(fulfilment, placed["id"], key="ship-once")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    other_body = _ship(fulfilment, placed["id"], tracking_number="OTHER", key="ship-once")
    assert other_body.status_code == 422

    delivered = _deliver(fulfilment, placed["id"], key="deliver-once")
    replayed = _deliver(fulfilment, placed["id"], key="deliver-once")
    assert delivered.json()["status"] == "delivered"
    assert (replayed.status_code, replayed["Idempotent-Replayed"]) == (200, "true")
    statuses = list(Order.objects.get().status_changes.values_list("to_status", flat=True))
    assert statuses.count("shipped") == 1 and statuses.count("delivered") == 1


def test_only_fulfilment_may_mark_delivered(customer_client, staff_client, placed):
    _ship(staff_client("fulfilment"), placed["id"])
    assert _deliver(customer_client, placed["id"]).status_code in (403, 404)
    assert _deliver(staff_client("support"), placed["id"]).status_code == 403
    assert Order.objects.get().status == "shipped"
