"""Events arriving out of order, twice, or about an order not seen yet all converge to the same rows.

The handlers are called directly, not through `deliver`: the backbone's inbox would absorb the
duplicates, and reporting writes are outside the inbox's transaction, so the projections must
absorb them themselves."""

import random
from collections import Counter

import pytest

from apps.orders.models import Order
from apps.reporting.handlers import project_order, project_payment
from apps.reporting.models import DailySales, OrderFact, PaymentFact, SalesDay
from tests.helpers import drain_outbox
from tests.reporting.conftest import envelopes, row

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])


@pytest.fixture(params=["upsert", "portable"], autouse=True)
def projection_path(request, monkeypatch) -> str:
    """Every test here runs on both write paths: PostgreSQL's one-statement upserts and the
    portable one that SQL Server takes (apps/reporting/upserts.py)."""
    if request.param == "portable":
        monkeypatch.setattr("apps.reporting.projections.upserts_supported", lambda using: False)
    return request.param


def _snapshot() -> dict:
    return {
        "orders": sorted((row(f) for f in OrderFact.objects.all()), key=lambda r: str(r["order_id"])),
        "payments": sorted((row(p) for p in PaymentFact.objects.all()), key=lambda r: str(r["payment_id"])),
        "sales": sorted(
            DailySales.objects.values_list(
                "day", "currency", "status", "orders", "items", "gross_amount", "refunded_amount"
            )
        ),
    }


def _wipe() -> None:
    for model in (OrderFact, PaymentFact, DailySales, SalesDay):
        model.objects.all().delete()


def _project(envelope: dict) -> None:
    (project_order if envelope["type"].startswith("orders.") else project_payment)(envelope)


@pytest.fixture
def lifecycle(place_mugs, staff_client) -> list[dict]:
    """Two orders' every event: one shipped then partially refunded twice, one fully refunded."""
    shipped = place_mugs(2, key="a")["id"]
    refunded = place_mugs(3, key="b")["id"]
    drain_outbox()
    staff_client("fulfilment").post(
        f"/api/v1/orders/{shipped}/ship",
        {"carrier": "DHL", "tracking_number": "T1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    finance = staff_client("finance")
    for order_id, amount, key in [(shipped, 500, "r1"), (shipped, 700, "r2"), (refunded, 3750, "r3")]:
        payment_id = Order.objects.get(pk=order_id).payment_id
        finance.post(
            f"/api/v1/payments/{payment_id}/refunds",
            {"amount": amount},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    drain_outbox()
    return envelopes()


def test_the_lifecycle_covers_every_event_type_and_projects_in_order(lifecycle):
    assert Counter(e["type"] for e in lifecycle) == {
        "orders.OrderCreated.v1": 2,
        "orders.OrderPaid.v1": 2,
        "orders.OrderShipped.v1": 1,
        "orders.OrderRefunded.v1": 1,
        "payments.PaymentAuthorized.v1": 2,
        "payments.PaymentCaptured.v1": 2,
        "payments.PaymentRefunded.v1": 3,
    }
    assert sorted(OrderFact.objects.values_list("status", "payment_status", "amount_refunded")) == [
        ("refunded", "refunded", 3750),
        ("shipped", "partially_refunded", 1200),
    ]


@pytest.mark.parametrize("seed", ["reversed", 1, 2, 3, 4, 5])
def test_any_order_with_every_event_twice_converges_to_the_in_order_rows(lifecycle, seed):
    expected = _snapshot()
    _wipe()
    events = (
        list(reversed(lifecycle))
        if seed == "reversed"
        else random.Random(seed).sample(lifecycle, len(lifecycle))  # noqa: S311 - a repeatable shuffle
    )

    for envelope in events + events[::-1]:  # each delivered twice, the second pass in reverse
        _project(envelope)

    assert _snapshot() == expected


def test_payment_news_about_an_unseen_order_waits_on_a_stub_that_reports_nothing(lifecycle):
    _wipe()
    refund = next(e for e in reversed(lifecycle) if e["type"] == "payments.PaymentRefunded.v1")

    _project(refund)

    stub = OrderFact.objects.get()
    assert (str(stub.order_id), stub.status, stub.aggregate_version, stub.placed_on) == (
        refund["data"]["order_id"],
        "",
        0,
        None,
    )
    assert (stub.payment_status, stub.amount_refunded, stub.payment_version) == (
        "refunded",
        3750,
        refund["aggregateversion"],
    )
    assert DailySales.objects.count() == 0


def test_an_older_event_after_a_newer_one_changes_nothing_but_its_missing_time(lifecycle):
    _wipe()
    created = next(e for e in lifecycle if e["type"] == "orders.OrderCreated.v1")
    paid = next(
        e for e in lifecycle if e["type"] == "orders.OrderPaid.v1" and e["subject"] == created["subject"]
    )

    _project(paid)
    _project(created)

    fact = OrderFact.objects.get()
    assert (fact.status, fact.aggregate_version) == ("paid", 2)
    assert fact.placed_at.isoformat().replace("+00:00", "Z") == created["time"]
    assert fact.paid_at.isoformat().replace("+00:00", "Z") == paid["time"]
    assert list(DailySales.objects.values_list("status", "orders")) == [("paid", 1)]


def test_older_payment_events_after_newer_ones_keep_the_newer_rows_and_fill_only_missing_times(lifecycle):
    _wipe()
    payments = [e for e in lifecycle if e["type"].startswith("payments.")]
    by_payment: dict[str, list[dict]] = {}
    for envelope in payments:
        by_payment.setdefault(envelope["subject"], []).append(envelope)
    # The payment refunded twice: authorized, captured, refunded 500, then 700 (versions rising).
    events = next(events for events in by_payment.values() if len(events) == 4)
    authorized, captured, first_refund, second_refund = events
    assert [e["aggregateversion"] for e in events] == sorted({e["aggregateversion"] for e in events})
    order_id = second_refund["data"]["order_id"]

    for envelope in (second_refund, first_refund, captured, authorized):  # newest first
        _project(envelope)

    payment = PaymentFact.objects.get(payment_id=second_refund["subject"])
    assert (payment.status, payment.amount_refunded, payment.aggregate_version) == (
        second_refund["data"]["status"],
        1200,
        second_refund["aggregateversion"],
    )
    # The latest refund's time stays; the older events' milestones were missing, so they are written.
    assert payment.refunded_at.isoformat().replace("+00:00", "Z") == second_refund["time"]
    assert payment.captured_at.isoformat().replace("+00:00", "Z") == captured["time"]
    assert payment.authorized_at.isoformat().replace("+00:00", "Z") == authorized["time"]
    fact = OrderFact.objects.get(order_id=order_id)
    assert (fact.payment_status, fact.amount_captured, fact.amount_refunded, fact.payment_version) == (
        second_refund["data"]["status"],
        second_refund["data"]["amount_captured"],
        1200,
        second_refund["aggregateversion"],
    )
    assert (fact.status, fact.aggregate_version, fact.placed_on) == ("", 0, None)  # still a stub


def test_a_payment_event_about_an_unplaced_order_is_two_statements_on_postgresql(lifecycle, projection_path):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    _wipe()
    refund = next(e for e in reversed(lifecycle) if e["type"] == "payments.PaymentRefunded.v1")

    with CaptureQueriesContext(connections["reporting"]) as queries:
        _project(refund)

    # Portable: UPDATE, EXISTS, then INSERT in a savepoint (3) for the payment, the same for the
    # order's stub, then a read of its day: 11. Upsert: one INSERT ... ON CONFLICT each.
    assert len(queries) == (2 if projection_path == "upsert" else 11)
