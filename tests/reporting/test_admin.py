"""Staff read daily sales in the admin, filter by day range and currency, and export CSV."""

import uuid
from datetime import date

import pytest
from django.db import connections, router

from apps.reporting.models import DailySales, OrderFact
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])
LIST = "/admin/reporting/dailysales/"


@pytest.fixture
def sales():
    now = "2026-11-24T00:00:00Z"
    for day, currency, status, orders, gross, refunded in [
        (date(2026, 11, 1), "EUR", "paid", 3, 3000, 0),
        (date(2026, 11, 2), "EUR", "refunded", 1, 500, 500),
        (date(2026, 11, 2), "USD", "paid", 2, 900, 0),
        (date(2026, 11, 9), "EUR", "paid", 5, 7000, 100),
    ]:
        DailySales.objects.create(
            day=day, currency=currency, status=status, orders=orders, items=orders * 2,
            gross_amount=gross, captured_amount=gross, refunded_amount=refunded, refreshed_at=now,
            goods_amount=gross - 300, shipping_amount=240, tax_amount=60, discount_amount=30,
        )  # fmt: skip


def test_reporting_tables_live_only_on_the_reporting_database():
    assert router.db_for_write(OrderFact) == "reporting"
    assert "reporting_orderfact" in connections["reporting"].introspection.table_names()
    assert "reporting_orderfact" not in connections["default"].introspection.table_names()
    assert "orders_order" not in connections["reporting"].introspection.table_names()


def test_the_changelist_filters_by_day_range_and_currency(admin_client, sales):
    response = admin_client.get(LIST, {"day__gte": "2026-11-02", "day__lte": "2026-11-09", "currency": "EUR"})

    assert response.status_code == 200
    rows = [(r.day, r.currency, r.status) for r in response.context["cl"].result_list]
    assert rows == [(date(2026, 11, 9), "EUR", "paid"), (date(2026, 11, 2), "EUR", "refunded")]
    assert b'name="day__gte" value="2026-11-02"' in response.content
    assert b'href="export.csv?' in response.content


def test_the_csv_export_holds_exactly_the_filtered_rows(admin_client, sales):
    response = admin_client.get(f"{LIST}export.csv", {"day__gte": "2026-11-02", "currency": "EUR"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="daily-sales.csv"'
    assert b"".join(response.streaming_content).decode() == (
        "day,currency,status,orders,items,gross_amount,captured_amount,refunded_amount,voided_amount,net_amount,"
        "goods_amount,shipping_amount,tax_amount,discount_amount\r\n"
        "2026-11-09,EUR,paid,5,10,7000,7000,100,0,6900,6700,240,60,30\r\n"
        "2026-11-02,EUR,refunded,1,2,500,500,500,0,0,200,240,60,30\r\n"
    )


def test_the_changelist_shows_what_gross_was_made_of(admin_client, sales):
    response = admin_client.get(LIST, {"day__gte": "2026-11-09", "currency": "EUR"})
    html = response.content.decode()

    for header in ("net sales (goods)", "shipping", "tax", "discounts"):
        assert f">{header}<" in html or f">{header.capitalize()}<" in html, header
    assert all(money in html for money in ("€67.00", "€2.40", "€0.60", "€0.30"))


def test_the_reporting_admin_is_read_only(admin_client, sales):
    row = DailySales.objects.first()

    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert DailySales.objects.count() == 4


def test_staff_without_the_view_permission_cannot_export(client, sales):
    client.force_login(StaffFactory(role="fulfilment"))

    assert client.get(f"{LIST}export.csv").status_code == 403


def test_an_order_fact_search_by_number(admin_client):
    OrderFact.objects.create(order_id=uuid.uuid4(), number="2611-ABCD-EFGH", status="paid", currency="EUR")

    response = admin_client.get("/admin/reporting/orderfact/", {"q": "2611-ABCD-EFGH"})

    assert [f.number for f in response.context["cl"].result_list] == ["2611-ABCD-EFGH"]
