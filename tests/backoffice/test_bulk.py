"""Bulk work from the orders list: ship from a CSV with a dry run, capture, export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.orders.models import Order
from apps.payments.models import Payment
from tests.backoffice.conftest import ORDERS, place_with_phone, staff
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox

pytestmark = pytest.mark.django_db(databases="__all__")
SHIP_CSV = f"{ORDERS}ship-csv/"


@pytest.fixture
def paid(customer_client) -> list[Order]:
    ProductFactory(sku="MUG", price_amount=1250, on_hand=50)
    orders = [place_with_phone(customer_client, "MUG", n, key=f"k{n}") for n in (1, 2)]
    drain_outbox()
    return [Order.objects.get(pk=o.pk) for o in orders]


def _upload(client, text: str, *, dry_run: bool):
    data = {"file": SimpleUploadedFile("ship.csv", text.encode(), "text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(SHIP_CSV, data)


def test_a_dry_run_checks_every_line_and_ships_nothing(paid):
    a, b = paid
    csv = f"order_number,carrier,tracking_number\n{a.number},DHL,T1\n{b.number},,\nNOPE-0000,DHL,T3\n{a.number},DHL,T4\n"

    response = _upload(staff("fulfilment"), csv, dry_run=True)

    results = [(r.line, r.order_number, r.ok, r.message) for r in response.context["results"]]
    assert results == [
        (2, a.number, True, "would ship with DHL T1"),
        (3, b.number, False, "carrier and tracking number are required"),
        (4, "NOPE-0000", False, "no such order"),
        (5, a.number, False, "listed twice in this file"),
    ]
    assert "Dry run: 1 of 4 order(s) would ship; nothing was shipped." in response.content.decode()
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}


def test_the_real_run_ships_through_the_service_with_one_line_per_order_and_history(paid):
    a, b = paid
    csv = f"order_number,carrier,tracking_number\n{a.number},DHL,T1\n{b.number},UPS,T2\n"

    response = _upload(staff("fulfilment"), csv, dry_run=False)

    assert [r.message for r in response.context["results"]] == ["shipped with DHL T1", "shipped with UPS T2"]
    assert sorted(Order.objects.values_list("status", "carrier", "tracking_number")) == sorted(
        [("shipped", "DHL", "T1"), ("shipped", "UPS", "T2")]
    )
    a.refresh_from_db()
    assert a.status_changes.last().reason == "DHL T1"


def test_a_file_without_the_columns_is_refused_and_support_may_not_upload(paid):
    response = _upload(staff("fulfilment"), "number;carrier\nX;DHL\n", dry_run=True)

    assert response.context["results"] is None
    assert "Missing column(s): order_number, carrier, tracking_number" in response.content.decode()
    assert staff("support").get(SHIP_CSV).status_code == 403


def test_capture_selected_reports_each_order(settings, customer_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="MUG", price_amount=1250, on_hand=50)
    ok = place_with_phone(customer_client, "MUG", 1, key="ok")
    bad = place_with_phone(customer_client, "MUG", 1, key="bad", method="pm_sandbox_capture_fails")
    drain_outbox()

    response = staff("finance").post(
        ORDERS, {"action": "capture_selected", "_selected_action": [ok.pk, bad.pk]}, follow=True
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "Captured 1 of 2 order(s)."
    assert f"{ok.number}: captured" in messages
    assert any(m.startswith(f"{bad.number}: not captured") for m in messages)
    assert Payment.objects.get(pk=ok.payment_id).status == "captured"


def test_export_selected_is_csv_in_major_units(paid):
    a, b = paid

    response = staff("support").post(ORDERS, {"action": "export_selected", "_selected_action": [a.pk, b.pk]})

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert (
        lines[0]
        == "number,created_at,status,payment_status,customer_email,currency,total,items,carrier,tracking_number"
    )
    assert [line.split(",")[0] for line in lines[1:]] == [a.number, b.number]
    assert lines[2].split(",")[5:8] == ["EUR", "25.00", "2"]
