"""Accounts' internal API: a service token only, problem+json for what is wrong, links never cached."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import email_verification_token, email_verify
from apps.common.problems import PROBLEM_CONTENT_TYPE
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "svc-test-token"


@pytest.fixture
def service(settings) -> APIClient:
    settings.INTERNAL_API_TOKENS = {"notifications": TOKEN}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Service {TOKEN}")
    return client


def test_a_service_reads_an_accounts_address(service):
    user = UserFactory(email="ada@example.com")

    response = service.get(f"/api/v1/internal/accounts/{user.pk}")

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "email": "ada@example.com"}


def test_a_verify_link_is_made_when_asked_and_not_cached(service):
    user = UserFactory(email="ada@example.com")

    response = service.post(
        f"/api/v1/internal/accounts/{user.pk}/links", {"purpose": "verify-email"}, format="json"
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["recipient"] == "ada@example.com"
    assert body["url"].startswith("http://localhost:3000/verify-email?token=")
    assert body["valid_hours"] == 72


def test_no_link_when_nothing_is_left_to_verify_is_a_404_problem(service):
    user = UserFactory()
    email_verify(token=email_verification_token(user=user))

    response = service.post(
        f"/api/v1/internal/accounts/{user.pk}/links", {"purpose": "verify-email"}, format="json"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"].endswith("/no-link")


def test_an_unknown_purpose_is_a_400_naming_the_field(service):
    user = UserFactory()

    response = service.post(f"/api/v1/internal/accounts/{user.pk}/links", {"purpose": "login"}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/purpose"]


def test_an_unknown_account_is_a_404_problem(service):
    response = service.get("/api/v1/internal/accounts/999999")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["detail"] == "No account 999999."


@pytest.mark.parametrize(
    "authorization",
    ["", "Service wrong-token", "Service", "Bearer svc-test-token"],
    ids=["none", "wrong", "empty", "customer-scheme"],
)
def test_anything_but_a_configured_service_token_is_a_401_problem(service, authorization):
    user = UserFactory()
    service.credentials(**({"HTTP_AUTHORIZATION": authorization} if authorization else {}))

    response = service.get(f"/api/v1/internal/accounts/{user.pk}")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["WWW-Authenticate"] == "Service"


def test_with_no_service_configured_every_call_is_refused(service, settings):
    settings.INTERNAL_API_TOKENS = {}
    user = UserFactory()

    assert service.get(f"/api/v1/internal/accounts/{user.pk}").status_code == 401
