"""The whole order flow with the stripe provider: our API → the official SDK → a local stand-in."""

import json
import time

import pytest

from apps.orders.models import Order
from apps.payments.models import Payment
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place
from tests.payments.conftest import stripe_signature

# Events fan out to every module's handlers, reporting's database included.
pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _stripe(stripe_settings):
    return stripe_settings


def test_an_order_paid_with_stripe_is_authorized_then_captured_with_our_keys(customer_client, stripe_standin):
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)

    response = place(customer_client, ("MUG", 2), provider="stripe", method="pm_card_visa")
    drain_outbox()

    assert response.status_code == 201
    payment = Payment.objects.get()
    intent = stripe_standin.intents[payment.provider_ref]
    assert (intent["status"], intent["amount_received"], intent["currency"]) == ("succeeded", 2500, "eur")
    posts = [(r.path, r.headers["idempotency-key"]) for r in stripe_standin.requests]
    assert posts == [
        ("/v1/payment_intents", f"order:{response.json()['id']}"),
        (f"/v1/payment_intents/{payment.provider_ref}/capture", f"capture:{response.json()['id']}"),
    ]
    assert Order.objects.get().status == "paid"


def test_a_card_declined_at_stripe_is_402_and_nothing_is_held(customer_client, stripe_standin):
    ProductFactory(sku="MUG", on_hand=10)

    response = place(
        customer_client, ("MUG", 2), provider="stripe", method="pm_card_chargeDeclinedInsufficientFunds"
    )

    assert response.status_code == 402
    assert response.json()["decline_code"] == "insufficient_funds"
    assert Order.objects.count() == 0
    assert Payment.objects.get().status == "failed"


def test_stripe_hanging_is_503_and_the_retry_with_the_same_key_reuses_stripes_intent(
    customer_client, stripe_standin
):
    ProductFactory(sku="MUG", on_hand=10)
    stripe_standin.hang_next = 1

    first = place(customer_client, ("MUG", 1), provider="stripe", method="pm_card_visa", key="k")
    retry = place(customer_client, ("MUG", 1), provider="stripe", method="pm_card_visa", key="k")

    assert (first.status_code, retry.status_code) == (503, 201)
    assert len(stripe_standin.intents) == 1  # the timed-out request had created it; the retry got it back
    assert Payment.objects.get().provider_ref == next(iter(stripe_standin.intents))


def test_a_stripe_refund_webhook_through_our_endpoint_is_applied_once(
    api_client, customer_client, stripe_standin
):
    ProductFactory(sku="MUG", price_amount=1250, on_hand=10)
    place(customer_client, ("MUG", 2), provider="stripe", method="pm_card_visa")
    drain_outbox()
    payment = Payment.objects.get()
    event = {
        "id": "evt_refund_1",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": payment.provider_ref,
                "amount_refunded": 2500,
            }
        },
    }
    body = json.dumps(event).encode()

    answers = [
        api_client.post(
            "/api/v1/payments/webhooks/stripe",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(body),
        ).json()
        for _ in range(2)
    ]
    drain_outbox()

    assert answers == [
        {"received": True, "applied": True, "parked": False},
        {"received": True, "applied": False, "parked": False},
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", 2500)
    assert Order.objects.get().status == "refunded"


def test_a_timed_out_authorization_is_found_by_the_webhook_through_our_payment_id(
    api_client, customer_client, stripe_standin
):
    ProductFactory(sku="MUG", on_hand=10)
    stripe_standin.hang_next = 1
    place(customer_client, ("MUG", 1), provider="stripe", method="pm_card_visa")  # 503: ref unknown
    [intent] = stripe_standin.intents.values()
    event = {
        "id": "evt_auth_1",
        "object": "event",
        "type": "payment_intent.amount_capturable_updated",
        "created": int(time.time()),
        "data": {"object": intent},
    }
    body = json.dumps(event).encode()

    answer = api_client.post(
        "/api/v1/payments/webhooks/stripe",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(body),
    )

    assert answer.json() == {"received": True, "applied": True, "parked": False}
    payment = Payment.objects.get()
    assert (payment.status, payment.provider_ref, payment.amount_authorized) == (
        "authorized",
        intent["id"],
        1999,  # ProductFactory's default price, one unit
    )
