"""No N+1 on the back office's busiest pages: an order's timeline, the home page, the lists. Each
page is measured on a small shop, then held to that count on one with many more rows."""

from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.orders.models import OrderNote
from tests.backoffice.conftest import ORDERS, place_with_phone, staff
from tests.factories.accounts import UserFactory, token_client
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox

pytestmark = pytest.mark.django_db(databases="__all__")


def _count(client, url: str) -> tuple[int, int]:
    """Statements on the default and the reporting database while serving `url` (200 expected)."""
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["reporting"]) as reporting,
    ):
        response = client.get(url)
    assert response.status_code == 200, url
    return len(default), len(reporting)


@contextmanager
def at_most(assert_max, baseline: tuple[int, int]):
    """No more statements than the baseline, on either database."""
    with assert_max(baseline[0]), assert_max(baseline[1], connection=connections["reporting"]):
        yield


def _superuser() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _refunds(staff_client, order, *amounts: int) -> None:
    for i, amount in enumerate(amounts):
        response = staff_client("finance").post(
            f"/api/v1/payments/{order.payment_id}/refunds",
            {"amount": amount, "reason": f"refund {i}"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"refund-{order.pk}-{i}",
        )
        assert response.status_code == 201, response.content
    drain_outbox()


def _notes(order, count: int) -> None:
    OrderNote.objects.bulk_create(
        OrderNote(order=order, author="support", text=f"note {i}") for i in range(count)
    )


@pytest.fixture
def mug():
    return ProductFactory(sku="MUG", price_amount=1250, currency="EUR", on_hand=500)


def test_an_order_timeline_costs_the_same_however_long_it_is(
    mug, customer_client, staff_client, django_assert_max_num_queries
):
    short = place_with_phone(customer_client, "MUG", 10, key="short")
    long = place_with_phone(customer_client, "MUG", 10, key="long")
    drain_outbox()
    _refunds(staff_client, short, 100)
    _notes(short, 1)
    _refunds(staff_client, long, *[100] * 8)  # eight refunds, eight deliveries and events
    _notes(long, 12)
    client = _superuser()  # sees every section (and the internal fields)
    baseline = _count(client, f"{ORDERS}{short.pk}/change/")

    with at_most(django_assert_max_num_queries, baseline):
        response = client.get(f"{ORDERS}{long.pk}/change/")

    html = response.content.decode()
    assert html.count('<tr class="timeline-') > 20  # 12 notes, 8 refunds, their emails, ...
    assert "note 11" in html


@pytest.mark.parametrize("role", ["support", "fulfilment", "finance", "operations"])
def test_the_home_page_costs_the_same_with_more_orders(
    mug, customer_client, role, django_assert_max_num_queries
):
    place_with_phone(customer_client, "MUG", 1, key="first")
    drain_outbox()
    client = staff(role)
    baseline = _count(client, "/admin/")
    for i in range(8):
        place_with_phone(customer_client, "MUG", 1, key=f"more-{i}")
    place_with_phone(customer_client, "MUG", 1, key="refused", method="pm_sandbox_capture_fails")
    drain_outbox()

    with at_most(django_assert_max_num_queries, baseline):
        assert client.get("/admin/").status_code == 200


def test_the_customer_list_costs_the_same_for_more_customers(mug, django_assert_max_num_queries):
    place_with_phone(token_client(UserFactory()), "MUG", 1, key="one")
    client = staff("support")
    baseline = _count(client, "/admin/customers/")
    for i in range(10):
        place_with_phone(token_client(UserFactory()), "MUG", 1, key=f"c-{i}")

    with at_most(django_assert_max_num_queries, baseline):
        response = client.get("/admin/customers/")

    assert len(response.context["rows"]) == 11


@pytest.mark.parametrize(
    "url",
    [ORDERS, "/admin/payments/payment/", "/admin/notifications/delivery/", "/admin/reporting/dailysales/"],
)
def test_the_lists_cost_the_same_for_more_rows(mug, customer_client, url, django_assert_max_num_queries):
    place_with_phone(customer_client, "MUG", 1, key="one")
    drain_outbox()
    client = _superuser()
    baseline = _count(client, url)
    for i in range(10):
        place_with_phone(customer_client, "MUG", 1, key=f"l-{i}")
    drain_outbox()

    with at_most(django_assert_max_num_queries, baseline):
        assert client.get(url).status_code == 200
