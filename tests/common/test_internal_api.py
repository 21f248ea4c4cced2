"""Every internal endpoint is open only to the services it names: another service's valid token
is a 403 problem there, so a token taken from one service opens only what that service needs."""

import uuid

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from apps.common.internal_api import InternalView
from apps.common.problems import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db

CALLS = [  # every internal endpoint, with ids that need not exist (the permission is checked first)
    ("get", "/api/v1/internal/accounts/1"),
    ("post", "/api/v1/internal/accounts/1/links"),
    ("get", f"/api/v1/internal/orders/{uuid.uuid4()}/contact"),
]


def _internal_views() -> set[type]:
    found, pending = set(), list(get_resolver().url_patterns)
    while pending:
        pattern = pending.pop()
        if hasattr(pattern, "url_patterns"):
            pending.extend(pattern.url_patterns)
            continue
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, InternalView):
            found.add(view)
    return found


def test_the_calls_below_cover_every_internal_endpoint():
    from django.urls import resolve

    assert {resolve(path).func.view_class for _, path in CALLS} == _internal_views()


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_a_service_not_named_by_the_endpoint_gets_a_403_problem(settings, method, path):
    settings.INTERNAL_API_TOKENS = {"notifications": "svc-n", "reporting": "svc-r"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Service svc-r")

    response = getattr(client, method)(path, {"purpose": "verify-email"}, format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "'reporting' may not call" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_the_named_service_gets_past_the_permission(settings, method, path):
    settings.INTERNAL_API_TOKENS = {"notifications": "svc-n", "reporting": "svc-r"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Service svc-n")

    response = getattr(client, method)(path, {"purpose": "verify-email"}, format="json")

    assert response.status_code == 404  # nothing there: the endpoint itself answered
