"""Order events become one email, one SMS and one signed webhook per subscribed endpoint, once."""

import json

import pytest
from django.core import mail
from standardwebhooks.webhooks import Webhook

from apps.events.delivery import deliver
from apps.events.models import OutboxEvent
from apps.notifications.models import Delivery
from apps.notifications.services import deliveries_fan_out
from apps.notifications.sms import LocmemSmsProvider
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due, make_endpoint

pytestmark = pytest.mark.django_db(databases="__all__")
HANDLER = "apps.notifications.handlers.notify"
PHONE = "+447700900123"


@pytest.fixture
def shipped(customer_client, staff_client) -> dict:
    """An order placed (with a phone number), paid, then shipped; its events not yet handled."""
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    body = order_request(("MUG", 2))
    body["shipping_address"]["phone"] = PHONE
    order = customer_client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="n-1").json()
    drain_outbox()
    attempt_due()  # the placed / paid emails
    mail.outbox.clear()
    response = staff_client("fulfilment").post(
        f"/api/v1/orders/{order['id']}/ship",
        {"carrier": "DHL", "tracking_number": "JD0001"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert response.status_code == 200
    return order


def _shipped_event() -> OutboxEvent:
    return OutboxEvent.objects.get(type="orders.OrderShipped.v1", handler="")


def test_one_order_shipped_sends_one_email_one_sms_and_one_signed_webhook_per_subscribed_endpoint(
    shipped, customer, receiver
):
    orders_hook = make_endpoint(receiver.url, "orders.*")
    exact_hook = make_endpoint(receiver.url + "?exact", "orders.OrderShipped.v1")
    make_endpoint(receiver.url + "?payments", "payments.*")  # not subscribed to shipments
    make_endpoint(receiver.url + "?off", "*", is_active=False)  # switched off by staff

    outcomes = drain_outbox()
    sent = attempt_due()

    assert ("orders.OrderShipped.v1", "notify", "processed") in outcomes
    assert sent == [
        ("email", customer.email, "succeeded"),
        ("sms", PHONE, "succeeded"),
        ("webhook", f"endpoint:{orders_hook.pk}", "succeeded"),
        ("webhook", f"endpoint:{exact_hook.pk}", "succeeded"),
    ]
    [email] = mail.outbox
    assert email.to == [customer.email]
    assert email.subject == f"Order {shipped['number']} has shipped"
    assert "Carrier: DHL\nTracking number: JD0001" in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "Tracking number: <strong>JD0001</strong>" in html
    [sms] = LocmemSmsProvider.outbox
    assert sms["to"] == PHONE
    assert sms["text"] == f"Commerce: order {shipped['number']} has shipped with DHL, tracking JD0001."
    assert len(sms["parts"]) == 1
    envelope = _shipped_event().envelope
    assert sorted(r.path for r in receiver.requests) == ["/hooks", "/hooks?exact"]
    for request, hook in zip(
        sorted(receiver.requests, key=lambda r: r.path), [orders_hook, exact_hook], strict=True
    ):
        # The official library verifies our signature (it raises otherwise) and returns the body.
        assert Webhook(hook.secrets[0]["secret"]).verify(request.body, request.headers) == envelope
        assert request.headers["webhook-id"] == envelope["id"]
        assert request.headers["Content-Type"] == "application/cloudevents+json"


def test_a_redelivered_event_sends_nothing_twice(shipped, receiver):
    make_endpoint(receiver.url, "orders.OrderShipped.v1")
    drain_outbox()
    attempt_due()
    envelope = _shipped_event().envelope

    # The broker delivers the same message again (inbox), and the fan-out runs again regardless.
    assert deliver(envelope, HANDLER) == "duplicate"
    assert deliveries_fan_out(envelope=envelope) == []
    assert attempt_due() == []

    assert Delivery.objects.filter(event_id=envelope["id"]).count() == 3
    assert len(mail.outbox) == 1
    assert len(LocmemSmsProvider.outbox) == 1
    assert len(receiver.requests) == 1


def test_placing_an_order_emails_its_lines_and_total(customer_client, customer):
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 2)), format="json", HTTP_IDEMPOTENCY_KEY="n-2"
    ).json()

    drain_outbox()
    sent = attempt_due()

    assert sent == [("email", customer.email, "succeeded"), ("email", customer.email, "succeeded")]
    placed, paid = mail.outbox
    assert placed.subject == f"Order {order['number']} received"
    assert "2 \N{MULTIPLICATION SIGN} Blue mug (MUG): 25.00 EUR\n" in placed.body
    assert "Total: 25.00 EUR" in placed.body
    assert paid.subject == f"Payment received for order {order['number']}"
    assert not LocmemSmsProvider.outbox  # SMS only for shipping and cancellation


def test_a_webhook_body_is_the_cloudevents_envelope_and_continues_its_trace(shipped, receiver):
    make_endpoint(receiver.url, "orders.OrderShipped.v1")
    event = _shipped_event()
    event.envelope["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    event.save()

    drain_outbox()
    attempt_due()

    [request] = receiver.requests
    assert json.loads(request.body) == event.envelope
    # Same trace as the event; the parent is now our outbound HTTP span, a descendant of the event's.
    version, trace_id, parent_id, flags = request.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "0af7651916cd43dd8448eb211c80319c", "01")
    assert parent_id != "b7ad6b7169203331"
    assert request.headers["User-Agent"] == "commerce-webhooks/1"


def _refund(staff_client, payment_id: str, amount: int, key: str) -> None:
    response = staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 201, response.content


def test_a_partial_refund_email_says_partial_with_the_amount_and_the_last_refund_says_refunded(
    customer_client, customer, staff_client
):
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 2)), format="json", HTTP_IDEMPOTENCY_KEY="n-3"
    ).json()
    drain_outbox()
    attempt_due()
    mail.outbox.clear()

    _refund(staff_client, order["payment_id"], 750, "r-1")
    drain_outbox()
    attempt_due()
    [partial] = mail.outbox
    mail.outbox.clear()
    _refund(staff_client, order["payment_id"], 1750, "r-2")
    drain_outbox()
    attempt_due()

    assert partial.to == [customer.email]
    assert partial.subject == f"Order {order['number']}: 7.50 EUR refunded (partial refund)"
    assert (
        "This is a partial refund: 7.50 EUR of the 25.00 EUR you paid has been refunded so far."
        in partial.body
    )
    html = partial.alternatives[0][0]
    assert "partial refund" in html and "<strong>7.50 EUR</strong>" in html
    [full] = mail.outbox  # the refund that completes it: "refunded", not a second partial email
    assert full.subject == f"Order {order['number']} refunded"
    assert "refunded in full (25.00 EUR)" in full.body
    assert Delivery.objects.filter(template="order_partially_refunded").count() == 1


def test_a_refund_of_everything_at_once_sends_only_the_refunded_email(
    customer_client, customer, staff_client
):
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="n-4"
    ).json()
    drain_outbox()
    attempt_due()
    mail.outbox.clear()

    _refund(staff_client, order["payment_id"], 1250, "r-3")
    drain_outbox()
    attempt_due()

    assert [m.subject for m in mail.outbox] == [f"Order {order['number']} refunded"]


def test_a_customer_deleted_before_their_emails_went_gets_none(customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    customer_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="d-1"
    )
    drain_outbox()  # the order's emails recorded, not sent yet
    deleted = customer_client.delete("/api/v1/accounts/me", {"current_password": PASSWORD}, format="json")
    assert deleted.status_code == 204, deleted.content
    drain_outbox()  # accounts.CustomerDeleted.v1: their deliveries' recipients erased

    sent = attempt_due()

    assert [outcome for _, _, outcome in sent] == ["suppressed", "suppressed"]
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("status", "last_error")) == {
        ("suppressed", "not sent: the customer's address was erased")
    }
    assert attempt_due() == []
