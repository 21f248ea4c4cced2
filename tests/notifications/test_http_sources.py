"""Notifications configured as its own deployment reads contact details and account links from
accounts' and orders' internal HTTP APIs, served here by a real HTTP server (live_server), with
the monolith's in-process sources taken away so nothing else could answer."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.notifications import sources
from apps.notifications.sms import LocmemSmsProvider
from tests.checkout.conftest import product_extras, shop  # noqa: F401 (fixtures)
from tests.checkout.helpers import complete, guest_checkout, ready_checkout
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due, placed_then_forgotten

# live_server needs committed rows; serialized_rollback restores the role groups.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
TOKEN = "svc-notifications-test-token"
PHONE = "+447700900123"


@pytest.fixture
def split(settings, live_server, monkeypatch):
    """Notifications as if deployed apart: owners reached over HTTP only."""
    settings.INTERNAL_API_TOKENS = {"notifications": TOKEN}
    settings.NOTIFICATIONS_API_TOKEN = TOKEN
    settings.NOTIFICATIONS_ACCOUNTS_URL = f"{live_server.url}/api/v1"
    settings.NOTIFICATIONS_ORDERS_URL = f"{live_server.url}/api/v1"
    monkeypatch.setattr(sources, "_in_process", {})
    yield live_server
    sources.http_sessions_close()  # else a server thread holds its database session past the test


def test_sign_up_sends_a_verification_link_fetched_over_http_that_verifies(split):
    client = APIClient()
    client.post("/api/v1/accounts", {"email": "ada@example.com", "password": PASSWORD}, format="json")

    drain_outbox()
    sent = attempt_due()

    assert sent == [("email", "ada@example.com", "succeeded")]
    [email] = mail.outbox
    link = next(word for word in email.body.split() if "/verify-email?" in word)
    token = parse_qs(urlparse(link).query)["token"][0]
    response = client.post("/api/v1/accounts/verify-email", {"token": token}, format="json")
    assert response.status_code == 200, response.content
    assert User.objects.get(email="ada@example.com").email_verified_at is not None


def test_a_shipped_order_emails_and_texts_with_contacts_fetched_over_http(
    split, customer_client, customer, staff_client
):
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    body = order_request(("MUG", 1))
    body["shipping_address"]["phone"] = PHONE
    order = customer_client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="h-1").json()
    drain_outbox()
    attempt_due()
    mail.outbox.clear()

    staff_client("fulfilment").post(
        f"/api/v1/orders/{order['id']}/ship",
        {"carrier": "DHL", "tracking_number": "JD0001"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="h-ship",
    )
    drain_outbox()
    sent = attempt_due()

    assert sent == [("email", customer.email, "succeeded"), ("sms", PHONE, "succeeded")]
    assert mail.outbox[0].subject == f"Order {order['number']} has shipped"
    [sms] = LocmemSmsProvider.outbox
    assert sms["text"] == f"Commerce: order {order['number']} has shipped with DHL, tracking JD0001."


def test_a_wrong_token_fails_the_fan_out_to_be_retried(split, settings, customer):
    settings.NOTIFICATIONS_API_TOKEN = "not-the-token"
    client = APIClient()
    client.post("/api/v1/accounts", {"email": "bob@example.com", "password": PASSWORD}, format="json")

    outcomes = drain_outbox()

    assert ("accounts.CustomerRegistered.v1", "notify", "retry_scheduled") in outcomes
    assert attempt_due() == []


def test_an_order_the_projection_never_saw_is_asked_of_orders_over_http(
    split, customer_client, customer, staff_client
):
    order = placed_then_forgotten(customer_client, staff_client, "h-2")

    drain_outbox()
    sent = attempt_due()

    assert sent == [("email", customer.email, "succeeded")]
    assert mail.outbox[0].subject == f"Order {order['number']}: 7.50 EUR refunded (partial refund)"


def test_a_guests_order_emails_go_to_the_address_orders_gives_over_http(split, shop):  # noqa: F811
    client, created = guest_checkout("ada@example.com")
    ready_checkout(client, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    order = complete(client, created["id"]).json()["order"]

    drain_outbox()
    sent = attempt_due()

    guest = f"guest-order:{order['id']}"  # the address is asked of orders at the send, not kept
    assert sent == [("email", guest, "succeeded"), ("email", guest, "succeeded")]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.com"], f"Order {order['number']} received"),
        (["ada@example.com"], f"Payment received for order {order['number']}"),
    ]
