import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.authtoken.models import Token as LegacyToken

from apps.accounts import token_cache
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"
ME = "/api/v1/orders"  # any endpoint that needs a signed-in customer


def sign_in(client, email="ada@example.com", password=PASSWORD):
    return client.post(URL, {"email": email, "password": password}, format="json")


def test_credentials_exchange_for_a_token_that_is_stored_only_as_a_digest(api_client):
    user = UserFactory(email="ada@example.com")

    response = sign_in(api_client)

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64
    stored = AuthToken.objects.get(user=user)
    assert stored.digest == hash_token(token)
    # Nothing in the table is the token itself: a copy of the database signs nobody in.
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        (row,) = cursor.fetchall()
    assert token not in row and row[1] == token[:15]
    assert timezone.now() + timedelta(days=13) < stored.expiry <= timezone.now() + timedelta(days=14)
    assert response.json()["expiry"] == stored.expiry.isoformat().replace("+00:00", "Z")


def test_each_sign_in_is_a_token_of_its_own_and_email_case_does_not_matter(api_client):
    UserFactory(email="ada@example.com")

    first = sign_in(api_client).json()["token"]
    second = sign_in(api_client, email="ADA@Example.com").json()["token"]

    assert first != second
    assert AuthToken.objects.count() == 2


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_the_token_is_accepted_as_bearer_and_with_the_older_token_prefix(api_client, scheme):
    UserFactory(email="ada@example.com")
    token = sign_in(api_client).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")

    assert api_client.get(ME).status_code == 200


def test_logout_revokes_only_that_token(api_client):
    UserFactory(email="ada@example.com")
    phone, laptop = sign_in(api_client).json()["token"], sign_in(api_client).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone}")
    assert api_client.post("/api/v1/auth/logout").status_code == 204

    refused = api_client.get(ME)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/token-invalid")
    assert "revoked" in refused.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop}")
    assert api_client.get(ME).status_code == 200


def test_logout_all_revokes_every_token_of_the_account_only(api_client):
    UserFactory(email="ada@example.com")
    UserFactory(email="bob@example.com")
    phone, laptop = sign_in(api_client).json()["token"], sign_in(api_client).json()["token"]
    bobs = sign_in(api_client, email="bob@example.com").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone}")
    assert api_client.post("/api/v1/auth/logout-all").status_code == 204

    for token, expected in ((phone, 401), (laptop, 401), (bobs, 200)):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api_client.get(ME).status_code == expected


def test_an_expired_token_is_a_401_that_says_it_expired(api_client):
    UserFactory(email="ada@example.com")
    token = sign_in(api_client).json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["type"].endswith("/token-expired")
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_use_extends_the_expiry_but_never_past_the_cap(api_client):
    UserFactory(email="ada@example.com")
    token = sign_in(api_client).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    soon = timezone.now() + timedelta(days=2)
    AuthToken.objects.update(expiry=soon)

    api_client.get(ME)
    extended = AuthToken.objects.get().expiry
    AuthToken.objects.update(created=timezone.now() - timedelta(days=80), expiry=soon)
    token_cache.forget([hash_token(token)])  # a raw edit: nothing told the cache
    api_client.get(ME)
    capped = AuthToken.objects.get()

    assert timezone.now() + timedelta(days=13) < extended <= timezone.now() + timedelta(days=14)
    assert capped.expiry == capped.created + timedelta(days=90)


def test_a_garbage_token_is_refused_as_invalid(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["type"].endswith("/token-invalid")


def test_signing_in_past_the_limit_drops_the_oldest_token(api_client, settings):
    settings.ACCOUNTS_TOKENS_PER_ACCOUNT = 2
    UserFactory(email="ada@example.com")
    oldest, middle, newest = (sign_in(api_client).json()["token"] for _ in range(3))

    assert AuthToken.objects.count() == 2
    for token, expected in ((oldest, 401), (middle, 200), (newest, 200)):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api_client.get(ME).status_code == expected


def test_the_migration_hashes_existing_plain_tokens_and_their_holders_stay_signed_in(api_client):
    user = UserFactory()
    legacy = LegacyToken.objects.create(user=user)
    migration = importlib.import_module("apps.accounts.migrations.0003_hash_legacy_api_tokens")
    from django.apps import apps

    with connection.schema_editor() as editor:
        migration.hash_legacy_tokens(apps, editor)

    assert not LegacyToken.objects.exists()
    assert AuthToken.objects.get(user=user).digest == hash_token(legacy.key)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {legacy.key}")
    assert api_client.get(ME).status_code == 200
    assert AuthToken.objects.get().expiry > timezone.now() + timedelta(days=89)


def test_a_plain_token_issued_after_the_migration_is_hashed_on_first_use(api_client):
    """An old web process may still hand out DRF tokens while the deploy rolls out."""
    user = UserFactory()
    legacy = LegacyToken.objects.create(user=user)

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {legacy.key}")
    first = api_client.get(ME)
    second = api_client.get(ME)

    assert (first.status_code, second.status_code) == (200, 200)
    assert not LegacyToken.objects.exists()
    assert AuthToken.objects.get(user=user).digest == hash_token(legacy.key)


def test_expired_tokens_are_purged_after_the_retention(settings):
    from apps.accounts.tasks import purge_expired_tokens

    user = UserFactory()
    AuthToken.objects.create(user=user, expiry=timedelta(days=-31))
    kept, _ = AuthToken.objects.create(user=user, expiry=timedelta(days=-1))

    assert purge_expired_tokens() == 1
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [kept.digest]


def test_wrong_credentials_are_a_401_problem_with_a_challenge(api_client):
    UserFactory(email="ada@example.com")

    response = sign_in(api_client, password="wrong password")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"] == "Email or password is incorrect."
    assert AuthToken.objects.count() == 0


def test_an_inactive_account_gets_no_token(api_client):
    UserFactory(email="gone@example.com", is_active=False)

    assert sign_in(api_client, email="gone@example.com").status_code == 401


def test_missing_and_invalid_fields_are_named(api_client):
    response = api_client.post(URL, {"email": "not an email"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/email", "detail": "Enter a valid email address.", "code": "invalid"},
        {"pointer": "#/password", "detail": "This field is required.", "code": "required"},
    ]


def test_repeated_attempts_are_throttled_with_retry_after(api_client):
    UserFactory(email="ada@example.com")

    statuses = [sign_in(api_client, password="guess").status_code for _ in range(11)]

    assert statuses == [401] * 10 + [429]
    throttled = sign_in(api_client, password="guess")
    assert throttled["Content-Type"] == "application/problem+json"
    assert throttled.json()["type"].endswith("/throttled")
    assert 0 < int(throttled["Retry-After"]) <= 60


def test_a_rotated_x_forwarded_for_does_not_escape_the_throttle(api_client):
    """With NUM_PROXIES = 0 (the default) the header is ignored: the client is REMOTE_ADDR."""
    UserFactory(email="ada@example.com")

    statuses = [
        api_client.post(
            URL,
            {"email": f"x{n}@example.com", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(15)
    ]

    assert statuses == [401] * 10 + [429] * 5


def test_behind_one_proxy_the_client_is_the_address_that_proxy_saw(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def attempt(forwarded):
        return api_client.post(
            URL,
            {"email": "x@example.com", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # The client forges the left part; our proxy appends the address it saw on the right.
    rotated = [attempt(f"198.51.100.{n}, 203.0.113.7") for n in range(11)]
    other_client = attempt("203.0.113.8")

    assert rotated == [401] * 10 + [429]
    assert other_client == 401


def test_one_accounts_password_cannot_be_guessed_from_many_addresses(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(email="ada@example.com")

    statuses = [
        api_client.post(
            URL,
            {"email": "Ada@example.com", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(21)
    ]

    assert statuses == [401] * 20 + [429]


def test_the_schema_offers_bearer_or_token_with_examples(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert "Authorization: Bearer 9f2c" in schemes["bearerAuth"]["description"]
    assert schemes["tokenAuth"] == {
        **schemes["tokenAuth"],
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    assert "Authorization: Token 9f2c" in schemes["tokenAuth"]["description"]
    # Either one will do: two alternatives, not one requirement naming both.
    security = schema["paths"]["/api/v1/orders"]["post"]["security"]
    assert {"bearerAuth": []} in security and {"tokenAuth": []} in security
