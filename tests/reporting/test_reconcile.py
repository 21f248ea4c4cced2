"""reporting_reconcile: daily sales vs the orders and payments modules, zero drift, then a planted one."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.reporting.models import DailySales, OrderFact
from tests.helpers import drain_outbox

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])


def _reconcile(day) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("reporting_reconcile", "--since", str(day), "--until", str(day), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def day(place_mugs, staff_client):
    """Three orders today: two paid, one shipped."""
    ids = [place_mugs(n, key=f"k{n}")["id"] for n in (1, 2, 3)]
    drain_outbox()
    staff_client("fulfilment").post(
        f"/api/v1/orders/{ids[2]}/ship",
        {"carrier": "DHL", "tracking_number": "T1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    drain_outbox()
    return OrderFact.objects.first().placed_on


def test_no_drift_when_the_projection_follows_the_events(day):
    out, error = _reconcile(day)

    assert error is None
    assert out == f"Daily sales {day} to {day}: 2 (day, currency, status) rows compared.\nNo drift.\n"


def test_a_planted_drift_is_printed_and_exits_non_zero(day):
    DailySales.objects.filter(status="paid").update(orders=1, gross_amount=1250)
    DailySales.objects.filter(status="shipped").delete()

    out, error = _reconcile(day)

    assert out == (
        f"Daily sales {day} to {day}: 2 (day, currency, status) rows compared.\n"
        f"DRIFT {day} EUR paid: orders 1 != 2, gross_amount 1250 != 3750 (reporting != source)\n"
        f"DRIFT {day} EUR shipped: orders 0 != 1, items 0 != 3, gross_amount 0 != 3750, "
        "captured_amount 0 != 3750, goods_amount 0 != 3750 (reporting != source)\n"
    )
    assert (str(error), error.returncode) == ("drift in 2 of 2 rows", 1)


def test_a_rebuild_from_the_facts_repairs_a_drifted_day(day):
    DailySales.objects.filter(status="paid").update(orders=7)

    call_command("reporting_backfill", "--no-progress", "--source", "orders", stdout=StringIO())
    out, error = _reconcile(day)

    assert error is None
    assert out.endswith("No drift.\n")
