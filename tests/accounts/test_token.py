import pytest
from rest_framework.authtoken.models import Token

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"


def test_credentials_exchange_for_the_accounts_token(api_client):
    user = UserFactory(email="ada@example.com")

    response = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_the_same_token_is_returned_each_time_and_email_case_does_not_matter(api_client):
    UserFactory(email="ada@example.com")

    first = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD}, format="json")
    second = api_client.post(URL, {"email": "ADA@Example.com", "password": PASSWORD}, format="json")

    assert first.json()["token"] == second.json()["token"]
    assert Token.objects.count() == 1


def test_the_token_authenticates_api_calls(api_client):
    user = UserFactory()
    token = api_client.post(URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/schema/")

    assert response.status_code == 200


def test_wrong_credentials_are_a_401_problem_with_a_challenge(api_client):
    UserFactory(email="ada@example.com")

    response = api_client.post(URL, {"email": "ada@example.com", "password": "wrong password"}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Email or password is incorrect."
    assert Token.objects.count() == 0


def test_an_inactive_account_gets_no_token(api_client):
    UserFactory(email="gone@example.com", is_active=False)

    response = api_client.post(URL, {"email": "gone@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 401


def test_missing_and_invalid_fields_are_named(api_client):
    response = api_client.post(URL, {"email": "not an email"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/email", "detail": "Enter a valid email address.", "code": "invalid"},
        {"pointer": "#/password", "detail": "This field is required.", "code": "required"},
    ]


def test_repeated_attempts_are_throttled_with_retry_after(api_client):
    UserFactory(email="ada@example.com")
    wrong = {"email": "ada@example.com", "password": "guess"}

    statuses = [api_client.post(URL, wrong, format="json").status_code for _ in range(11)]

    assert statuses == [401] * 10 + [429]
    throttled = api_client.post(URL, wrong, format="json")
    assert throttled["Content-Type"] == "application/problem+json"
    assert throttled.json()["type"].endswith("/throttled")
    assert 0 < int(throttled["Retry-After"]) <= 60
