"""No secrets or card data in the logs: a whole payment flow is logged at DEBUG and searched."""

import json
import logging
import time

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from apps.accounts.models import User
from apps.notifications.models import WebhookEndpoint
from apps.payments.models import Payment
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place
from tests.notifications.conftest import attempt_due, make_endpoint
from tests.notifications.receiver import Receiver
from tests.payments.conftest import STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, stripe_signature

pytestmark = pytest.mark.django_db(databases="__all__")
PASSWORD = "correct-horse-battery-staple-9"
CARD_NUMBER = "4242424242424242"


def _rendered(records: list[logging.LogRecord]) -> str:
    """Each record as production writes it: the JSON formatter from settings.LOGGING."""
    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string("structlog.stdlib.ProcessorFormatter")(
        processor=spec["processor"], foreign_pre_chain=spec["foreign_pre_chain"]
    )
    return "\n".join(formatter.format(record) for record in records)


def test_a_stripe_payment_flow_logs_no_secret_and_no_card_number(api_client, stripe_settings, caplog):
    caplog.set_level(logging.DEBUG)
    ProductFactory(sku="QUIET-1", price_amount=1250, on_hand=10)
    User.objects.create_user(email="ada@example.com", password=PASSWORD)
    with Receiver() as receiver:
        endpoint = make_endpoint(receiver.url, "orders.*")

        token = api_client.post(
            "/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        ).json()["token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        placed = place(api_client, ("QUIET-1", 1), key="quiet-1", provider="stripe", method="pm_card_visa")
        # A storefront bug: a raw card number where a payment method id belongs.
        refused = place(api_client, ("QUIET-1", 1), key="quiet-2", provider="stripe", method=CARD_NUMBER)
        drain_outbox()
        attempt_due()
        payment = Payment.objects.get(order_id=placed.json()["id"])
        body = json.dumps(
            {"id": "evt_quiet", "object": "event", "type": "charge.refunded", "created": int(time.time()),
             "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": payment.provider_ref,
                                 "amount_refunded": 1250}}}
        ).encode()  # fmt: skip
        signature = stripe_signature(body)
        webhook = api_client.post(
            "/api/v1/payments/webhooks/stripe",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        assert receiver.requests  # the signed merchant webhook went out

    assert (placed.status_code, refused.status_code, webhook.status_code) == (201, 402, 200)
    logged = caplog.text + "\n" + _rendered(caplog.records)
    # The flow is in the log, so the search below searched something.
    assert '"route": "api/v1/orders"' in logged and '"status": 201' in logged
    assert '"route": "api/v1/payments/webhooks/<slug:provider>"' in logged
    secrets = {
        "password": PASSWORD,
        "api token": token,
        "stripe api key": STRIPE_API_KEY,
        "stripe webhook secret": STRIPE_WEBHOOK_SECRET,
        "stripe signature": signature.split("v1=")[1],
        "merchant webhook secret": WebhookEndpoint.objects.get(pk=endpoint.pk).secrets[0]["secret"],
        "card number": CARD_NUMBER,
    }
    leaked = [name for name, secret in secrets.items() if secret in logged]
    assert leaked == []
