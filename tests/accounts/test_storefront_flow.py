"""A storefront customer's whole life, with the emails sent by a real Celery worker (relay, fan-out,
send) to a real SMTP server on 127.0.0.1: sign up, verify, sign in, reset the password, add an
address, order to it, sign out, and the token is refused."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.events.conftest import real_worker
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox
from tests.smtp import smtp_server

pytestmark = [
    real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]
NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
def inbox():
    with smtp_server() as running:
        yield running


def parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def link_params(text: str) -> dict:
    url = re.search(r"http://localhost:3000/\S+", text).group(0)
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_customer_signs_up_verifies_orders_to_a_saved_address_and_signs_out(worker_process, inbox):
    messages, port = inbox
    worker_process.start(env={"TEST_SMTP_PORT": str(port)})
    client = APIClient()

    assert (
        client.post(
            "/api/v1/accounts", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        ).status_code
        == 202
    )
    verify = messages.wait("Confirm your email address for Commerce")
    text, html = parts(verify)
    assert verify["To"] == "ada@example.com"
    assert "Please confirm that ada@example.com is your email address" in text
    assert "The link works for 72 hours." in text
    assert (
        "<h1>Confirm your email address</h1>" in html
        and 'href="http://localhost:3000/verify-email?token=' in html
    )

    verified = client.post("/api/v1/accounts/verify-email", link_params(text), format="json")
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    welcome = messages.wait("Welcome to Commerce")
    assert "Your email address is confirmed" in parts(welcome)[0]

    # Password reset, end to end through the worker too.
    assert (
        client.post("/api/v1/auth/password-reset", {"email": "ada@example.com"}, format="json").status_code
        == 202
    )
    reset_text, reset_html = parts(messages.wait("Reset your Commerce password"))
    assert "<h1>Reset your password</h1>" in reset_html
    confirm = {**link_params(reset_text), "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/password-reset/confirm", confirm, format="json").status_code == 204
    old = client.post("/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}, format="json")
    assert old.status_code == 401
    worker_process.stop()  # the rest runs in-process: the worker's catalog is a mongomock of its own

    signed_in = client.post(
        "/api/v1/auth/token", {"email": "ada@example.com", "password": NEW_PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200
    token = signed_in.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    address = client.post(
        "/api/v1/accounts/me/addresses",
        {
            "name": "Ada Lovelace",
            "line1": "12 Analytical Row",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
            "phone": "+44 7911 123456",
        },
        format="json",
    )
    assert address.status_code == 201
    ProductFactory(sku="MUG", on_hand=10)
    order = client.post(
        "/api/v1/orders",
        {
            "lines": [{"sku": "MUG", "quantity": 1}],
            "shipping_address_id": address.json()["id"],
            "payment": {"provider": "sandbox", "method": "pm_sandbox_ok"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="first-order",
    )
    assert order.status_code == 201, order.json()
    assert order.json()["shipping_address"]["phone"] == "+447911123456"
    drain_outbox()

    assert client.post("/api/v1/auth/logout").status_code == 204
    refused = client.get("/api/v1/orders")
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/token-invalid")
    # No usable token anywhere in the database: only digests, and the first 15 characters.
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        assert all(token not in (digest, key) for digest, key in cursor.fetchall())
    assert not AuthToken.objects.filter(user__email="ada@example.com").exists()
