"""Notifications knows orders only from their events (OrderFacts) and asks contact details of
their owners: a payment event ahead of its order's event waits (retried), never sends blind."""

import uuid

import pytest
from django.core import mail

from apps.events.delivery import deliver
from apps.events.envelope import build_envelope
from apps.events.models import DeadLetter, OutboxEvent
from apps.notifications.models import Delivery, OrderFacts
from apps.orders.event_data import OrderCreatedData, OrderLineData
from apps.payments.event_data import PaymentRefundedData
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due

pytestmark = pytest.mark.django_db(databases="__all__")
NOTIFY = "apps.notifications.handlers.notify"
REMEMBER = "apps.notifications.handlers.remember_order"


def _order_created(order_id: str, customer_id: int, number: str = "2612-AAAA-0001") -> dict:
    data = OrderCreatedData(
        order_id=order_id,
        number=number,
        customer_id=customer_id,
        status="placed",
        currency="EUR",
        total_amount=2500,
        item_count=2,
        payment_id=str(uuid.uuid4()),
        lines=[OrderLineData(sku="MUG", name="Blue mug", unit_price=1250, quantity=2, line_total=2500)],
    )
    return build_envelope(
        event_type="orders.OrderCreated.v1", subject=order_id, data=data, aggregate_version=1
    )


def _partially_refunded(order_id: str) -> dict:
    data = PaymentRefundedData(
        payment_id=str(uuid.uuid4()),
        order_id=order_id,
        provider="sandbox",
        status="partially_refunded",
        currency="EUR",
        amount_authorized=2500,
        amount_captured=2500,
        amount_refunded=750,
        refunded=750,
        fully_refunded=False,
    )
    return build_envelope(
        event_type="payments.PaymentRefunded.v1", subject=data.payment_id, data=data, aggregate_version=3
    )


def test_the_orders_events_fill_the_projection_with_number_and_customer(customer_client, customer):
    ProductFactory(sku="MUG", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="f-1"
    ).json()

    outcomes = drain_outbox()

    assert ("orders.OrderCreated.v1", "remember_order", "processed") in outcomes
    facts = OrderFacts.objects.get(pk=order["id"])
    assert (facts.number, facts.customer_id) == (order["number"], customer.pk)
    assert facts.aggregate_version >= 1
    # A guest's order (customer 0 in events) is projected with no customer.
    guest_order = str(uuid.uuid4())
    assert deliver(_order_created(guest_order, customer_id=0), REMEMBER) == "processed"
    assert OrderFacts.objects.get(pk=guest_order).customer_id is None


def test_a_payment_event_before_its_orders_event_is_retried_then_sent_with_the_number():
    customer = UserFactory()
    order_id = str(uuid.uuid4())
    refunded, created = _partially_refunded(order_id), _order_created(order_id, customer.pk)

    # The refund arrives first: the handler fails (nothing recorded, nothing sent) and is retried.
    assert deliver(refunded, NOTIFY) == "retry_scheduled"
    assert not Delivery.objects.filter(event_id=refunded["id"]).exists()
    retry = OutboxEvent.objects.get(event_id=refunded["id"], handler=NOTIFY, attempt=2)

    assert deliver(created, REMEMBER) == "processed"
    assert deliver(retry.envelope, NOTIFY, attempt=retry.attempt) == "processed"
    sent = attempt_due()

    assert sent == [("email", customer.email, "succeeded")]
    [email] = mail.outbox
    assert email.to == [customer.email]
    assert email.subject == "Order 2612-AAAA-0001: 7.50 EUR refunded (partial refund)"
    assert not DeadLetter.objects.exists()


def test_an_older_orders_event_arriving_late_changes_nothing():
    order_id = str(uuid.uuid4())
    newer = _order_created(order_id, customer_id=7, number="2612-NEW")
    newer["aggregateversion"] = 3
    older = _order_created(order_id, customer_id=5, number="2612-OLD")

    assert deliver(newer, REMEMBER) == "processed"
    assert deliver(older, REMEMBER) == "processed"

    facts = OrderFacts.objects.get(pk=order_id)
    assert (facts.number, facts.customer_id, facts.aggregate_version) == ("2612-NEW", 7, 3)


def test_accounts_unreachable_fails_the_fan_out_to_be_retried_not_sent_to_nobody(settings, customer):
    settings.NOTIFICATIONS_ACCOUNTS_URL = "http://127.0.0.1:9/api/v1"  # nothing listens: refused
    settings.NOTIFICATIONS_API_TIMEOUT = 1
    order_id = str(uuid.uuid4())
    created = _order_created(order_id, customer.pk)

    assert deliver(created, NOTIFY) == "retry_scheduled"
    assert not Delivery.objects.filter(event_id=created["id"]).exists()

    settings.NOTIFICATIONS_ACCOUNTS_URL = ""  # back to the in-process source: the retry sends
    assert deliver(created, NOTIFY, attempt=2) == "processed"
    assert attempt_due() == [("email", customer.email, "succeeded")]


def test_deleting_the_customer_erases_them_from_the_projection(customer_client, customer):
    ProductFactory(sku="MUG", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="f-2"
    ).json()
    drain_outbox()
    attempt_due()
    other = str(uuid.uuid4())
    deliver(_order_created(other, customer_id=customer.pk + 1000), REMEMBER)

    response = customer_client.delete("/api/v1/accounts/me", {"current_password": PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    outcomes = drain_outbox()

    assert ("accounts.CustomerDeleted.v1", "forget_customer", "processed") in outcomes
    facts = OrderFacts.objects.get(pk=order["id"])
    assert (facts.number, facts.customer_id) == (order["number"], None)
    assert OrderFacts.objects.get(pk=other).customer_id == customer.pk + 1000  # someone else's: kept
    assert not Delivery.objects.filter(recipient=customer.email).exists()
