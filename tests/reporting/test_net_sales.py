"""Daily sales net equals the money the payments module says the shop kept, over a mixed day:
paid, partially refunded, refunded, cancelled before capture, capture failed, and a failed capture
then cancelled (the 119.00 EUR the old net counted as sales)."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.orders.models import Order
from apps.payments.public import payments_state
from apps.reporting.models import DailySales, OrderFact
from tests.helpers import drain_outbox

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])


def _refund(staff_client, payment_id, amount: int, key: str) -> None:
    response = staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 201, response.content


def _cancel(customer_client, order_id: str, key: str) -> None:
    response = customer_client.post(
        f"/api/v1/orders/{order_id}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def mixed_day(settings, place_mugs, customer_client, staff_client):
    """Six orders of one day, MUG at 12.50 EUR; returns their ids by what happened to them."""
    ids = {
        "paid": place_mugs(1, key="paid")["id"],
        "partial": place_mugs(2, key="partial")["id"],
        "refunded": place_mugs(3, key="refunded")["id"],
        "capture_failed": place_mugs(4, key="cf", method="pm_sandbox_capture_fails")["id"],
        "failed_then_cancelled": place_mugs(5, key="cfc", method="pm_sandbox_capture_fails")["id"],
    }
    drain_outbox()  # immediate capture of each; two are refused
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ids["cancelled_before_capture"] = place_mugs(6, key="voided")["id"]
    drain_outbox()
    payment = {key: str(Order.objects.get(pk=order_id).payment_id) for key, order_id in ids.items()}
    _refund(staff_client, payment["partial"], 1000, "r1")
    _refund(staff_client, payment["refunded"], 3750, "r2")
    _cancel(customer_client, ids["failed_then_cancelled"], "c1")
    _cancel(customer_client, ids["cancelled_before_capture"], "c2")
    drain_outbox()
    return ids


def test_net_is_what_payments_says_was_kept(mixed_day):
    payment_ids = [str(p) for p in Order.objects.values_list("payment_id", flat=True)]
    states = payments_state(payment_ids=payment_ids).values()
    kept = sum(s.amount_captured - s.amount_refunded for s in states)

    rows = list(DailySales.objects.all())

    # captured: 1 + 2 + 3 mugs; refunded 10.00 + 37.50
    assert kept == (1 + 2 + 3) * 1250 - 1000 - 3750 == 2750
    assert sum(r.net_amount for r in rows) == kept
    assert sum(r.gross_amount for r in rows) == 21 * 1250


def test_daily_sales_split_gross_captured_refunds_voids_and_net(mixed_day):
    split = {
        r.status: (
            r.orders,
            r.gross_amount,
            r.captured_amount,
            r.refunded_amount,
            r.voided_amount,
            r.net_amount,
        )
        for r in DailySales.objects.all()
    }

    assert split == {
        # paid + partially refunded (still paid) + the failed capture waiting for staff (placed)
        "paid": (2, 3750, 3750, 1000, 0, 2750),
        "refunded": (1, 3750, 3750, 3750, 0, 0),
        "placed": (1, 5000, 0, 0, 5000, 0),
        # a failed capture then cancelled (voided) and a cancel before capture (voided)
        "cancelled": (2, 13750, 0, 0, 13750, 0),
    }


def test_a_failed_capture_is_visible_on_the_order_and_its_fact(mixed_day):
    order = Order.objects.get(pk=mixed_day["capture_failed"])
    fact = OrderFact.objects.get(order_id=mixed_day["capture_failed"])

    assert (order.status, order.payment_status) == ("placed", "capture_failed")
    assert (fact.status, fact.payment_status, fact.amount_captured) == ("placed", "capture_failed", 0)
    state = payments_state(payment_ids=[str(order.payment_id)])[str(order.payment_id)]
    assert (state.status, state.capture_failed) == ("authorized", True)


def test_reconcile_compares_captured_and_refunded_with_payments(mixed_day):
    day = OrderFact.objects.first().placed_on
    clean = StringIO()
    call_command("reporting_reconcile", "--since", str(day), "--until", str(day), stdout=clean)
    DailySales.objects.filter(status="paid").update(refunded_amount=0)

    drifted = StringIO()
    with pytest.raises(Exception, match="drift in 1 of 4 rows"):
        call_command("reporting_reconcile", "--since", str(day), "--until", str(day), stdout=drifted)

    assert clean.getvalue().endswith("No drift.\n")
    assert f"DRIFT {day} EUR paid: refunded_amount 0 != 1000 (reporting != source)" in drifted.getvalue()


def test_a_backfill_gives_the_same_split_as_the_events(mixed_day):
    before = sorted(
        DailySales.objects.values_list("status", "gross_amount", "captured_amount", "voided_amount")
    )
    OrderFact.objects.all().delete()
    DailySales.objects.all().delete()

    call_command("reporting_backfill", "--no-progress", "--restart", stdout=StringIO())

    after = sorted(
        DailySales.objects.values_list("status", "gross_amount", "captured_amount", "voided_amount")
    )
    assert after == before
