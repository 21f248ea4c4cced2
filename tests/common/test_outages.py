"""A database that does not answer: 503 problem+json with Retry-After, never a 500 or HTML.

The outage is real: the connection is pointed at a closed port, so psycopg fails to connect as it
does while PostgreSQL restarts (tests/orders/test_store_outages.py restarts the real one)."""

from contextlib import contextmanager

import pytest
from django.db import connection

from tests.factories.accounts import StaffFactory, UserFactory, token_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def database_unreachable():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=1, OPTIONS={**saved.get("OPTIONS", {}), "connect_timeout": 1}
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _assert_outage(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"].endswith("/service-unavailable")


def test_an_api_request_while_the_database_is_down_is_a_503_problem(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    client = token_client(UserFactory())
    client.raise_request_exception = False
    with database_unreachable():
        _assert_outage(client.get("/api/v1/orders"))
        _assert_outage(
            client.post("/api/v1/orders", {"lines": []}, format="json", HTTP_IDEMPOTENCY_KEY="down-1")
        )
    assert client.get("/api/v1/orders").status_code == 200  # back by itself


@pytest.mark.parametrize("debug", [False, True])
def test_an_admin_page_while_the_database_is_down_is_a_503_problem_even_with_debug(client, settings, debug):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.DEBUG = debug
    client.force_login(StaffFactory(role="support"))
    client.raise_request_exception = False
    with database_unreachable():
        _assert_outage(client.get("/admin/"))
