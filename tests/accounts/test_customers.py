"""Customer self-service through the API: sign-up, verification, reset, password and email
changes, deletion; emails rendered by notifications from the accounts events (in-process here;
tests/accounts/test_storefront_flow.py runs the same path through a real worker)."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from knox.models import AuthToken

from apps.accounts.models import User
from apps.events.models import OutboxEvent
from apps.notifications.models import Delivery
from apps.orders.models import Order
from tests.factories.accounts import PASSWORD, UserFactory, token_client
from tests.helpers import drain_outbox
from tests.notifications.conftest import attempt_due

pytestmark = pytest.mark.django_db(databases="__all__")
NEW_PASSWORD = "a different long passphrase"


def events(event_type: str) -> list[dict]:
    return [
        e.envelope["data"] for e in OutboxEvent.objects.filter(type=event_type, handler="").order_by("id")
    ]


def send_emails() -> list:
    """Run the events through their handlers and send what they fan out to; the emails sent."""
    mail.outbox.clear()
    drain_outbox()
    attempt_due()
    return list(mail.outbox)


def link(email) -> str:
    return re.search(r"http://localhost:3000/\S+", email.body).group(0)


def link_params(email) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(link(email)).query).items()}


def sign_up(client, email="ada@example.com", password=PASSWORD):
    return client.post("/api/v1/accounts", {"email": email, "password": password}, format="json")


def test_sign_up_creates_an_unverified_account_and_emails_a_verification_link(api_client):
    response = sign_up(api_client, email="Ada@Example.com")

    assert response.status_code == 202
    user = User.objects.get()
    assert (user.email, user.email_verified_at, user.check_password(PASSWORD)) == (
        "ada@example.com",
        None,
        True,
    )
    assert events("accounts.CustomerRegistered.v1") == [{"customer_id": user.pk}]
    [email] = send_emails()
    assert email.to == ["ada@example.com"]
    assert email.subject == "Confirm your email address for Commerce"
    assert "The link works for 72 hours." in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert link(email).startswith("http://localhost:3000/verify-email?token=")
    assert f'href="{link(email)}"' in html
    # The link is made when the email is sent: neither the event nor the delivery holds it.
    assert link_params(email)["token"] not in str(Delivery.objects.get().envelope)


def test_following_the_link_verifies_the_address_and_sends_a_welcome(api_client):
    sign_up(api_client)
    [verify] = send_emails()

    response = api_client.post("/api/v1/accounts/verify-email", link_params(verify), format="json")

    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert User.objects.get().email_verified_at is not None
    [welcome] = send_emails()
    assert welcome.subject == "Welcome to Commerce"


def test_a_used_link_an_expired_link_and_a_forged_one_are_refused_naming_the_token(api_client, settings):
    sign_up(api_client)
    [verify] = send_emails()
    api_client.post("/api/v1/accounts/verify-email", link_params(verify), format="json")

    reused = api_client.post("/api/v1/accounts/verify-email", link_params(verify), format="json")
    settings.ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE = timedelta(seconds=-1)
    expired = api_client.post("/api/v1/accounts/verify-email", link_params(verify), format="json")
    forged = api_client.post("/api/v1/accounts/verify-email", {"token": "eyJhIjoxfQ:forged"}, format="json")

    for response, code in ((reused, "used"), (expired, "expired"), (forged, "invalid")):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert (error["pointer"], error["code"]) == ("#/token", code)


def test_signing_up_with_a_registered_address_answers_the_same_and_changes_nothing(api_client):
    UserFactory(email="ada@example.com")

    again = sign_up(api_client, email="ADA@example.com", password="another long passphrase")
    fresh = sign_up(api_client, email="bob@example.com")

    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    assert User.objects.get(email="ada@example.com").check_password(PASSWORD)
    assert len(events("accounts.CustomerRegistered.v1")) == 1


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("password123", "password_too_common"),
        ("12345678901", "password_entirely_numeric"),
        ("short", "password_too_short"),
    ],
)
def test_a_weak_password_is_refused_naming_the_field_and_nothing_is_written(api_client, password, code):
    response = sign_up(api_client, password=password)

    assert response.status_code == 400
    assert ("#/password", code) in [(e["pointer"], e["code"]) for e in response.json()["errors"]]
    assert not User.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_invalid_fields_and_oversized_bodies_are_problems(api_client):
    bad = api_client.post("/api/v1/accounts", {"email": "nope"}, format="json")
    huge = api_client.post(
        "/api/v1/accounts",
        '{"email": "a@example.com", "password": "' + "x" * 3_000_000 + '"}',
        content_type="application/json",
    )

    assert [e["pointer"] for e in bad.json()["errors"]] == ["#/email", "#/password"]
    assert huge.status_code == 413
    assert huge["Content-Type"] == "application/problem+json"
    assert not User.objects.exists()


def test_sign_up_is_throttled_per_address(api_client):
    statuses = [sign_up(api_client, email="ada@example.com").status_code for _ in range(4)]

    assert statuses == [202, 202, 202, 429]


def test_password_reset_end_to_end_signs_out_everywhere_and_the_link_works_once(api_client):
    user = UserFactory(email="ada@example.com")
    old_client = token_client(user)

    asked = api_client.post("/api/v1/auth/password-reset", {"email": "ADA@example.com"}, format="json")
    [email] = send_emails()
    params = link_params(email)
    confirmed = api_client.post(
        "/api/v1/auth/password-reset/confirm", {**params, "new_password": NEW_PASSWORD}, format="json"
    )
    reused = api_client.post(
        "/api/v1/auth/password-reset/confirm",
        {**params, "new_password": "yet another passphrase"},
        format="json",
    )

    assert asked.status_code == 202
    assert email.to == ["ada@example.com"]
    assert email.subject == "Reset your Commerce password"
    assert "only once" in email.alternatives[0][0]
    assert confirmed.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert old_client.get("/api/v1/orders").status_code == 401
    assert reused.status_code == 400
    assert reused.json()["errors"][0]["pointer"] == "#/token"
    signed_in = api_client.post(
        "/api/v1/auth/token", {"email": "ada@example.com", "password": NEW_PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(api_client):
    UserFactory(email="ada@example.com")

    unknown = api_client.post("/api/v1/auth/password-reset", {"email": "nobody@example.com"}, format="json")
    known = api_client.post("/api/v1/auth/password-reset", {"email": "ada@example.com"}, format="json")

    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert [e.to for e in send_emails()] == [["ada@example.com"]]


def test_a_weak_new_password_on_reset_is_named_and_changes_nothing(api_client):
    user = UserFactory(email="ada@example.com")
    api_client.post("/api/v1/auth/password-reset", {"email": "ada@example.com"}, format="json")
    [email] = send_emails()

    response = api_client.post(
        "/api/v1/auth/password-reset/confirm",
        {**link_params(email), "new_password": "ada@example.com"},
        format="json",
    )

    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {"#/new_password"}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_the_password_keeps_this_device_and_signs_out_the_others():
    user = UserFactory()
    this, other = token_client(user), token_client(user)

    wrong = this.post(
        "/api/v1/accounts/me/password",
        {"current_password": "nope", "new_password": NEW_PASSWORD},
        format="json",
    )
    changed = this.post(
        "/api/v1/accounts/me/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["pointer"] == "#/current_password"
    assert changed.status_code == 204
    assert this.get("/api/v1/accounts/me").status_code == 200
    assert other.get("/api/v1/accounts/me").status_code == 401


def test_a_new_email_address_takes_effect_once_verified():
    user = UserFactory(email="ada@example.com", email_verified_at=timezone.now())
    client = token_client(user)

    asked = client.post(
        "/api/v1/accounts/me/email",
        {"new_email": "ada@new.example", "current_password": PASSWORD},
        format="json",
    )
    assert client.get("/api/v1/accounts/me").json()["email"] == "ada@example.com"
    [email] = send_emails()
    verified = client.post("/api/v1/accounts/verify-email", link_params(email), format="json")

    assert asked.status_code == 202
    assert email.to == ["ada@new.example"]
    assert verified.status_code == 200
    assert verified.json() | {"date_joined": None} == {
        "id": user.pk,
        "email": "ada@new.example",
        "email_verified": True,
        "pending_email": "",
        "date_joined": None,
    }


def test_an_address_taken_meanwhile_is_a_conflict_and_nothing_changes():
    user = UserFactory(email="ada@example.com")
    client = token_client(user)
    client.post(
        "/api/v1/accounts/me/email",
        {"new_email": "bob@example.com", "current_password": PASSWORD},
        format="json",
    )
    [email] = send_emails()
    UserFactory(email="bob@example.com")

    response = client.post("/api/v1/accounts/verify-email", link_params(email), format="json")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/email-taken")
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("ada@example.com", "bob@example.com")


def test_guest_orders_with_the_address_become_the_customers_after_verification(api_client, customer_client):
    from tests.factories.catalog import ProductFactory
    from tests.helpers import place

    ProductFactory(sku="MUG", on_hand=10)
    guest_order = place(customer_client, ("MUG", 1), key="guest").json()["id"]
    other_guest = place(customer_client, ("MUG", 1), key="other").json()["id"]
    # What a guest checkout leaves: an order with an email and no account.
    Order.objects.filter(pk=guest_order).update(customer_id=None, customer_email="Ada@Example.com")
    Order.objects.filter(pk=other_guest).update(customer_id=None, customer_email="someone@example.com")
    drain_outbox()
    sign_up(api_client)
    [verify] = [e for e in send_emails() if e.to == ["ada@example.com"]]

    api_client.post("/api/v1/accounts/verify-email", link_params(verify), format="json")
    drain_outbox()

    ada = User.objects.get(email="ada@example.com")
    assert [o["id"] for o in token_client(ada).get("/api/v1/orders").json()["results"]] == [guest_order]
    assert Order.objects.get(pk=other_guest).customer_id is None


def test_an_unverified_account_gets_no_guest_orders(api_client, customer_client):
    from tests.factories.catalog import ProductFactory
    from tests.helpers import place

    ProductFactory(sku="MUG", on_hand=10)
    order = place(customer_client, ("MUG", 1), key="guest").json()["id"]
    Order.objects.filter(pk=order).update(customer_id=None, customer_email="ada@example.com")
    sign_up(api_client)
    drain_outbox()

    assert Order.objects.get(pk=order).customer_id is None


def test_deleting_the_account_erases_personal_data_and_keeps_the_orders_detached(customer, customer_client):
    from tests.factories.catalog import ProductFactory
    from tests.factories.orders import order_request

    ProductFactory(sku="MUG", on_hand=10)
    body = order_request(("MUG", 1))
    body["shipping_address"]["phone"] = "+447700900123"
    order = customer_client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="o").json()["id"]
    drain_outbox()
    attempt_due()  # the order emails, recorded with the customer's address
    token = AuthToken.objects.get(user=customer)

    wrong = customer_client.delete("/api/v1/accounts/me", {"current_password": "nope"}, format="json")
    deleted = customer_client.delete("/api/v1/accounts/me", {"current_password": PASSWORD}, format="json")
    drain_outbox()

    assert wrong.status_code == 400
    assert deleted.status_code == 204
    assert not User.objects.filter(pk=customer.pk).exists()
    assert not AuthToken.objects.filter(digest=token.digest).exists()
    assert customer_client.get("/api/v1/orders").status_code == 401
    kept = Order.objects.get(pk=order)
    assert (kept.customer_id, kept.customer_email) == (customer.pk, "")
    assert "phone" not in kept.shipping_address and kept.shipping_address["name"] == "Ada Lovelace"
    assert kept.total_amount > 0 and kept.lines.count() == 1
    actors = list(kept.status_changes.values_list("actor", flat=True))
    assert f"customer {customer.pk}" in actors and not any(customer.email in actor for actor in actors)
    recipients = set(Delivery.objects.filter(channel="email").values_list("recipient", flat=True))
    assert recipients and all(r.startswith("erased:") for r in recipients)
    assert events("accounts.CustomerDeleted.v1") == [{"customer_id": customer.pk}]


def test_the_account_endpoint_needs_a_token(api_client):
    response = api_client.get("/api/v1/accounts/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_resending_verification_for_a_verified_address_is_a_conflict():
    client = token_client(UserFactory(email_verified_at=timezone.now()))

    assert client.post("/api/v1/accounts/me/verify-email").status_code == 409


def test_a_verification_link_for_a_deleted_account_is_invalid(api_client):
    sign_up(api_client)
    [email] = send_emails()
    User.objects.all().delete()

    response = api_client.post("/api/v1/accounts/verify-email", link_params(email), format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"
