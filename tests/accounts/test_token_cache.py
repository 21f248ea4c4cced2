"""Tokens remembered in Redis (apps/accounts/token_cache.py): no SQL for a known token, and
every way a token stops working still stops it at once, cached or not."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken

from apps.accounts import token_cache
from apps.accounts.services import account_delete
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/orders"  # any endpoint that needs a signed-in customer


def signed_in(client, user) -> str:
    token = client.post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    return token.json()["token"]


def use(client, token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(ME)


def test_a_token_the_cache_knows_costs_no_query(api_client):
    user = UserFactory()
    token = signed_in(api_client, user)
    assert use(api_client, token).status_code == 200  # read from the database, then remembered

    with CaptureQueriesContext(connection) as queries:
        again = use(api_client, token)

    assert again.status_code == 200
    assert not [q["sql"] for q in queries if re.search(r'FROM "(knox_authtoken|accounts_user)"', q["sql"])]
    cached = token_cache.cached_token(hash_token(token))
    assert (cached.user.pk, cached.user.email) == (user.pk, user.email)
    assert "password" in cached.user.get_deferred_fields()  # the hash never goes to the cache


@pytest.mark.parametrize("how", ["logout", "logout-all", "password change", "account deleted"])
def test_a_cached_token_stops_working_at_once_however_it_is_revoked(api_client, how):
    user = UserFactory()
    phone, laptop = signed_in(api_client, user), signed_in(api_client, user)
    for token in (phone, laptop):
        assert use(api_client, token).status_code == 200  # both cached now

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone}")
    if how == "logout":
        assert api_client.post("/api/v1/auth/logout").status_code == 204
    elif how == "logout-all":
        assert api_client.post("/api/v1/auth/logout-all").status_code == 204
    elif how == "password change":
        changed = api_client.post(
            "/api/v1/accounts/me/password",
            {"current_password": PASSWORD, "new_password": "another-long-password-2026"},
            format="json",
        )
        assert changed.status_code in (200, 204), changed.json()
    else:
        account_delete(user=user)

    revoked = {"logout": [phone], "password change": [laptop]}.get(how, [phone, laptop])
    for token in (phone, laptop):
        assert use(api_client, token).status_code == (401 if token in revoked else 200), (how, token)


def test_a_deactivated_account_is_refused_although_its_token_is_cached(api_client):
    user = UserFactory()
    token = signed_in(api_client, user)
    assert use(api_client, token).status_code == 200

    user.is_active = False
    user.save()  # as the admin does

    refused = use(api_client, token)
    assert refused.status_code == 401
    assert "deactivated" in refused.json()["detail"]


def test_a_cached_token_past_its_expiry_is_told_it_expired(api_client):
    user = UserFactory()
    token = signed_in(api_client, user)
    # Capped (created 90 days ago): use does not extend it, so it expires in a second, cached.
    AuthToken.objects.update(
        created=timezone.now() - timedelta(days=90), expiry=timezone.now() + timedelta(seconds=1)
    )
    assert use(api_client, token).status_code == 200
    assert token_cache.cached_token(hash_token(token)) is not None

    time.sleep(1.1)

    refused = use(api_client, token)
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/token-expired")


def test_a_request_that_read_the_token_before_it_was_revoked_cannot_cache_it_again(api_client):
    """The interleaving forced: request A reads the row, the token is revoked (tombstone), then A
    fills the cache with what it read. The tombstone wins; A's fill is dropped."""
    user = UserFactory()
    token = signed_in(api_client, user)
    read_by_a = AuthToken.objects.select_related("user").get(digest=hash_token(token))

    AuthToken.objects.filter(digest=read_by_a.digest).delete()
    token_cache.remember(read_by_a)

    assert token_cache.cached_token(read_by_a.digest) is None
    assert use(api_client, token).status_code == 401


def test_a_login_time_or_rehash_leaves_the_entry_but_other_saves_drop_it(api_client):
    user = UserFactory()
    token = signed_in(api_client, user)
    use(api_client, token)
    digest = hash_token(token)

    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert token_cache.cached_token(digest) is not None

    user.first_name = "Ada"
    user.save(update_fields=["first_name"])
    assert token_cache.cached_token(digest) is None


def test_with_the_cache_down_tokens_are_read_from_the_database_and_revoking_fails_closed(
    api_client, unreachable_cache
):
    user = UserFactory()
    token = AuthToken.objects.create(user=user)[1]

    assert use(api_client, token).status_code == 200  # authenticated from the database

    refused = api_client.post("/api/v1/auth/logout")
    assert refused.status_code == 503  # could not tell the cache: nothing revoked, retry
    assert AuthToken.objects.filter(digest=hash_token(token)).exists()
