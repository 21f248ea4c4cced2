"""Provider answers mapped by what they mean: a decline is 402 with its code; a request the
provider refuses as invalid is our mistake (500, logged with the provider's request id, never a
decline); an outage is 503 and the same key can be retried; a signed webhook we cannot read is
parked for staff, not refused as a bad signature."""

import json
import logging
import time

import pytest
from prometheus_client import REGISTRY

from apps.orders.models import Order
from apps.payments.models import ParkedWebhook, Payment
from apps.payments.providers import get_provider
from tests.factories.catalog import ProductFactory
from tests.helpers import place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _product():
    ProductFactory(sku="MUG", on_hand=10)


def _rejections() -> float:
    labels = {"provider": "sandbox", "operation": "authorize", "outcome": "rejected"}
    return REGISTRY.get_sample_value("payment_provider_requests_total", labels) or 0.0


def test_a_decline_is_402_with_the_decline_code(customer_client):
    response = place(customer_client, ("MUG", 1), method="pm_sandbox_insufficient_funds")

    assert response.status_code == 402
    assert (response.json()["type"].rsplit("/", 1)[-1], response.json()["decline_code"]) == (
        "payment-declined",
        "insufficient_funds",
    )


def test_a_request_the_provider_rejects_is_our_500_logged_with_its_request_id_never_a_decline(
    customer_client, caplog
):
    caplog.set_level(logging.ERROR)
    before = _rejections()

    response = place(customer_client, ("MUG", 1), method="pm_sandbox_rejected")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/payment-integration-error")
    assert "declin" not in body["detail"].lower()
    assert "automatic_payment_methods" not in response.content.decode()  # provider details stay in the log
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code) == ("requires_authorization", "provider_rejected_request")
    assert not Order.objects.exists()
    [record] = [r for r in caplog.records if "payment_provider_rejected_request" in r.getMessage()]
    assert "req_sbx_" in record.getMessage() and "parameter_unknown" in record.getMessage()
    assert _rejections() == before + 1


def test_a_provider_outage_is_503_and_the_same_key_can_be_retried(customer_client):
    down = place(customer_client, ("MUG", 1), method="pm_sandbox_timeout", key="retry-me")
    assert down.status_code == 503
    assert int(down["Retry-After"]) > 0
    assert down.json()["type"].endswith("/payment-provider-unavailable")

    again = place(customer_client, ("MUG", 1), method="pm_sandbox_timeout", key="retry-me")
    assert again.status_code == 503  # not a replay of a stored answer: the key was kept free
    assert "Idempotent-Replayed" not in again
    assert Payment.objects.count() == 1  # the retry reused the payment and its provider key


def _webhook(api_client, body: bytes):
    return api_client.post(
        "/api/v1/payments/webhooks/sandbox",
        body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=get_provider("sandbox").sign(body),
    )


def test_a_signed_but_unreadable_webhook_is_parked_once_not_an_invalid_signature(api_client):
    body = json.dumps({"id": "evt_odd", "type": "payment.captured", "created": int(time.time())}).encode()

    first = _webhook(api_client, body)
    second = _webhook(api_client, body)  # the provider sends it again

    assert (first.status_code, first.json()) == (200, {"received": True, "applied": False, "parked": True})
    assert second.status_code == 200
    [parked] = ParkedWebhook.objects.all()
    assert (parked.provider, parked.event_id, parked.event_type) == ("sandbox", "evt_odd", "payment.captured")
    assert "payment" in parked.reason
    assert json.loads(parked.body)["id"] == "evt_odd"


def test_a_signed_body_that_is_not_json_is_parked(api_client):
    response = _webhook(api_client, b"{not json")

    assert response.status_code == 200
    assert response.json()["parked"] is True
    assert ParkedWebhook.objects.get().body == "{not json"


def test_a_bad_signature_is_still_400_invalid_signature(api_client):
    response = api_client.post(
        "/api/v1/payments/webhooks/sandbox",
        b"{}",
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE="t=1,v1=00",
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-signature")
    assert not ParkedWebhook.objects.exists()
