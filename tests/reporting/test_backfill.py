"""reporting_backfill: from orders.public and payments.public, in batches, resumable, and never
undoing a newer event."""

import os
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command

from apps.orders.contracts import SYSTEM
from apps.orders.models import Order, OrderStatusChange
from apps.orders.public import orders_page
from apps.orders.services import order_deliver
from apps.payments.models import Payment
from apps.payments.public import payments_state
from apps.reporting.backfill import _apply_orders, _may_read_ahead, orders_backfill
from apps.reporting.models import BackfillCheckpoint, DailySales, OrderFact, PaymentFact, SalesDay
from apps.reporting.reconcile import sales_reconcile
from tests.helpers import drain_outbox
from tests.reporting.conftest import event_time, row

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])
# Committed rows, as in production: the backfill then reads the next page on a second connection.
committed = pytest.mark.django_db(
    databases=["default", "reporting"], transaction=True, serialized_rollback=True
)

TIMES = ("placed_at", "paid_at", "shipped_at", "delivered_at", "cancelled_at", "refunded_at")
IDENTITY = ("order_id", "number", "payment_id")


@pytest.fixture
def four_lifecycles(place_mugs, customer_client, staff_client) -> list[str]:
    """Orders placed through the API and run through their events: paid, delivered, cancelled after
    payment (refunded), partially refunded."""
    ids = [place_mugs(n, key=f"k{n}")["id"] for n in (1, 2, 3, 4)]
    drain_outbox()
    staff_client("fulfilment").post(
        f"/api/v1/orders/{ids[1]}/ship",
        {"carrier": "DHL", "tracking_number": "T1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    order_deliver(order=Order.objects.get(pk=ids[1]), actor=SYSTEM)
    customer_client.post(f"/api/v1/orders/{ids[2]}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c")
    payment_id = Order.objects.get(pk=ids[3]).payment_id
    staff_client("finance").post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount": 1000}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    drain_outbox()
    return ids


def _clone(templates: list[Order], copies: int) -> None:
    """Bulk-insert `copies` clones of each template order (its payment and status history too)
    straight into the orders and payments tables: a test-only path, as placing 10,000 orders
    through the API would take minutes."""
    payments = {p.pk: p for p in Payment.objects.filter(pk__in=[t.payment_id for t in templates])}
    history = {t.pk: list(OrderStatusChange.objects.filter(order=t)) for t in templates}
    orders, clones, changes = [], [], []
    for n in range(copies):
        for i, template in enumerate(templates):
            order_id, payment_id = uuid.uuid4(), uuid.uuid4()
            payment = payments[template.payment_id]
            clones.append(
                Payment(
                    **_fields(
                        payment, id=payment_id, order_id=order_id, idempotency_key=f"clone:{payment_id}"
                    )
                )
            )
            orders.append(
                Order(**_fields(template, id=order_id, number=f"CL-{n:05d}-{i}", payment_id=payment_id))
            )
            changes += [
                OrderStatusChange(**_fields(c, id=None, order_id=order_id)) for c in history[template.pk]
            ]
    Payment.objects.bulk_create(clones, batch_size=2000)
    Order.objects.bulk_create(orders, batch_size=2000)
    OrderStatusChange.objects.bulk_create(changes, batch_size=2000)


def _fields(instance, **overrides) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields} | overrides


def _wipe_reporting() -> None:
    for model in (OrderFact, PaymentFact, DailySales, SalesDay, BackfillCheckpoint):
        model.objects.all().delete()


def _sales() -> list[tuple]:
    return list(
        DailySales.objects.order_by("day", "currency", "status").values_list(
            "day", "currency", "status", "orders", "items", "gross_amount", "refunded_amount"
        )
    )


def _without(record: dict, names) -> dict:
    return {k: v for k, v in record.items() if k not in names}


def test_a_backfill_of_10000_orders_matches_what_the_events_produce(four_lifecycles, capsys):
    evented = {str(f.order_id): row(f) for f in OrderFact.objects.all()}
    evented_sales = _sales()
    templates = [Order.objects.get(pk=order_id) for order_id in four_lifecycles]
    _clone(templates, 2499)
    _wipe_reporting()

    call_command("reporting_backfill", "--no-progress")

    assert OrderFact.objects.count() == 10_000
    assert PaymentFact.objects.count() == 10_000
    backfilled = {str(f.order_id): row(f) for f in OrderFact.objects.filter(order_id__in=four_lifecycles)}
    for order_id, event_row in evented.items():
        # Everything but the times exactly: an event's time is taken a moment after the row it
        # announces was written, in the same transaction.
        assert _without(backfilled[order_id], TIMES) == _without(event_row, TIMES)
        for name in TIMES:
            mine, theirs = backfilled[order_id][name], event_row[name]
            assert (mine is None) == (theirs is None), name
            assert mine is None or abs(mine - theirs) < timedelta(seconds=1), name
    # Each clone is its template's backfilled row under another identity.
    signature = {tuple(_without(r, IDENTITY).items()): order_id for order_id, r in backfilled.items()}
    counts = Counter(
        signature.get(tuple(_without(row(f), IDENTITY).items())) for f in OrderFact.objects.all()
    )
    assert counts == {order_id: 2500 for order_id in four_lifecycles}
    assert _sales() == [
        (*key, n * 2500, items * 2500, gross * 2500, refunded * 2500)
        for *key, n, items, gross, refunded in evented_sales
    ]
    day = evented_sales[0][0]
    assert sales_reconcile(since=day, until=day).drifts == ()
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["orders", "payments"]
    assert out[0].startswith("orders: 10000 rows in ")


def test_the_backfill_never_overwrites_a_row_an_event_made_newer(settings, place_mugs, staff_client):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    order_id = place_mugs(2)["id"]
    drain_outbox()
    stale = orders_page(after=None, limit=10)  # read by a backfill, version 1 ...
    stale_payments = payments_state(payment_ids=[stale.records[0].payment_id])
    staff_client("fulfilment").post(
        f"/api/v1/orders/{order_id}/ship",
        {"carrier": "DHL", "tracking_number": "T1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    drain_outbox()  # ... while events make the row newer (captured, paid, shipped: version 3)

    _apply_orders(stale.records, stale_payments)  # ... then written

    assert stale.records[0].status == "placed"
    fact = OrderFact.objects.get()
    assert (fact.status, fact.aggregate_version, fact.payment_status, fact.payment_version) == (
        "shipped",
        3,
        "captured",
        3,
    )
    assert list(DailySales.objects.values_list("status", "orders")) == [("shipped", 1)]


def test_an_interrupted_backfill_resumes_after_the_last_batch_it_applied(four_lifecycles):
    _wipe_reporting()
    batches = []

    def interrupt_after_first_batch(rows: int) -> None:
        batches.append(rows)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        orders_backfill(batch_size=3, progress=interrupt_after_first_batch)
    resumed = orders_backfill(batch_size=3, progress=batches.append)
    again = orders_backfill(batch_size=3)

    assert batches == [3, 1]
    assert (resumed.rows, resumed.resumed) == (1, True)
    assert (again.rows, again.resumed) == (4, False)  # a finished run is not resumed: it starts over
    assert OrderFact.objects.count() == 4
    checkpoint = BackfillCheckpoint.objects.get(source="orders")
    assert (checkpoint.rows, checkpoint.after_id, checkpoint.finished_at is not None) == (
        4,
        str(Order.objects.order_by("-created_at", "-id").first().pk),
        True,
    )


@committed
def test_reading_ahead_in_a_second_process_applies_every_page_once_and_still_resumes(
    four_lifecycles, monkeypatch, tmp_path
):
    assert _may_read_ahead()  # committed rows, no transaction around the run: the reader process
    evented = {str(f.order_id): _without(row(f), TIMES) for f in OrderFact.objects.all()}
    _wipe_reporting()
    readers = tmp_path / "readers"

    def orders_page_noting_its_process(**kwargs):
        with readers.open("a") as file:
            file.write(f"{os.getpid()}\n")
        return orders_page(**kwargs)

    monkeypatch.setattr("apps.reporting.backfill.orders_page", orders_page_noting_its_process)
    batches = []

    def interrupt_after_two_batches(rows: int) -> None:
        batches.append(rows)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        orders_backfill(batch_size=1, progress=interrupt_after_two_batches)
    resumed = orders_backfill(batch_size=1, progress=batches.append)

    assert batches == [1, 1, 1, 1]
    assert (resumed.rows, resumed.resumed) == (2, True)
    assert {str(f.order_id): _without(row(f), TIMES) for f in OrderFact.objects.all()} == evented
    pids = set(readers.read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids  # one reader process per run, not this one


def test_the_backfill_brings_an_older_row_forward_but_keeps_the_times_events_stamped(
    settings, place_mugs, customer_client
):
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    order_id = place_mugs(2)["id"]
    drain_outbox()  # the fact is at version 1, placed at the event's time
    customer_client.post(f"/api/v1/orders/{order_id}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c")
    # OrderCancelled not delivered yet: the source is at version 2

    orders_backfill(batch_size=10)

    fact = OrderFact.objects.get()
    order = Order.objects.get()
    assert (fact.status, fact.aggregate_version) == ("cancelled", 2)
    assert fact.placed_at == event_time("orders.OrderCreated.v1", order_id)
    assert fact.placed_at != order.created_at  # the event's own time was kept
    assert fact.cancelled_at == order.status_changes.get(to_status="cancelled").created_at
    assert list(DailySales.objects.values_list("status", "orders", "gross_amount")) == [
        ("cancelled", 1, 2500)
    ]
