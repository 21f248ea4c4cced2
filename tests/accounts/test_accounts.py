import pytest
from django.db import IntegrityError
from knox.crypto import hash_token
from knox.models import AuthToken

from apps.accounts import public as accounts
from apps.accounts.contracts import AccountExists
from apps.accounts.models import User
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_account_create_normalises_the_email_and_assigns_the_role():
    account = accounts.account_create(
        email="  Grace@Example.COM ", password="a long passphrase", role="support"
    )

    assert account.email == "grace@example.com"
    assert account.is_staff is True
    assert account.roles == ("support",)
    assert accounts.account_get(account_id=account.id) == account


def test_a_customer_account_is_not_staff():
    account = accounts.account_create(email="c@example.com", password="a long passphrase")

    assert (account.is_staff, account.roles) == (False, ())


def test_an_email_is_one_account_whatever_its_case():
    accounts.account_create(email="ada@example.com", password="a long passphrase")

    with pytest.raises(AccountExists):
        accounts.account_create(email="ADA@example.com", password="another passphrase")
    assert User.objects.count() == 1


def test_the_database_refuses_a_case_variant_of_an_existing_email():
    UserFactory(email="ada@example.com")

    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="Ada@Example.com")])


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role 'cashier'"):
        accounts.account_create(email="x@example.com", password="a long passphrase", role="cashier")
    assert User.objects.count() == 0


def test_account_lookups_raise_lookup_error_when_missing():
    with pytest.raises(LookupError):
        accounts.account_get(account_id=999_999)
    with pytest.raises(LookupError):
        accounts.account_get_by_email(email="nobody@example.com")


def test_api_token_get_issues_a_new_hashed_token_each_time():
    account = accounts.account_create(email="t@example.com", password="a long passphrase")

    first, second = (accounts.api_token_get(account_id=account.id) for _ in range(2))

    assert first != second
    assert sorted(AuthToken.objects.values_list("digest", flat=True)) == sorted(
        map(hash_token, (first, second))
    )


def test_admin_can_add_a_user_by_email(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "new@example.com", "password1": "a long passphrase 1", "password2": "a long passphrase 1"},
    )

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
