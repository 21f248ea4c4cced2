"""A reporting database outage fails only the reporting handlers: orders keep being placed and paid,
the handlers are retried, and the projection catches up once the database is back. The outage is
real: the `reporting` alias points at a closed port, or at a database that does not exist."""

import pytest
from django.db import connections

from apps.events.delivery import deliver
from apps.events.models import DeadLetter, OutboxEvent
from apps.orders.models import Order
from apps.reporting.models import OrderFact
from tests.helpers import drain_outbox, place

# Autocommit: the alias's connection is closed and reopened mid-test, which a wrapping test
# transaction would not survive. serialized_rollback restores the role groups afterwards.
pytestmark = pytest.mark.django_db(
    databases=["default", "reporting"], transaction=True, serialized_rollback=True
)


@pytest.fixture(
    params=[{"PORT": 1}, {"NAME": "commerce_reporting_does_not_exist"}], ids=["closed-port", "no-database"]
)
def reporting_outage(request):
    """Takes the reporting database away now; call the returned function to bring it back."""
    connection = connections["reporting"]
    saved = dict(connection.settings_dict)

    def restore() -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    connection.close()
    connection.settings_dict.update(request.param)
    yield restore
    restore()


def test_orders_are_placed_and_paid_while_reporting_is_down_and_projected_after(
    reporting_outage, customer_client, mug
):
    response = place(customer_client, ("MUG", 2), key="during-outage")
    outcomes = drain_outbox()

    assert response.status_code == 201
    assert Order.objects.get().status == "paid"
    assert ("orders.OrderCreated.v1", "capture_when_immediate", "processed") in outcomes
    assert ("payments.PaymentCaptured.v1", "mark_paid", "processed") in outcomes
    assert [(t, h, o) for t, h, o in outcomes if h.startswith("project_")] == [
        ("payments.PaymentAuthorized.v1", "project_payment", "retry_scheduled"),
        ("orders.OrderCreated.v1", "project_order", "retry_scheduled"),
        ("payments.PaymentCaptured.v1", "project_payment", "retry_scheduled"),
        ("orders.OrderPaid.v1", "project_order", "retry_scheduled"),
    ]
    retries = list(OutboxEvent.objects.filter(handler__startswith="apps.reporting.").order_by("id"))
    assert [(r.type, r.attempt) for r in retries] == [
        ("payments.PaymentAuthorized.v1", 2),
        ("orders.OrderCreated.v1", 2),
        ("payments.PaymentCaptured.v1", 2),
        ("orders.OrderPaid.v1", 2),
    ]

    reporting_outage()  # the database is back; the retries run as the relay would run them
    retried = [
        deliver(r.envelope, r.handler, attempt=r.attempt, first_failed_at=r.first_failed_at.isoformat())
        for r in retries
    ]

    assert retried == ["processed"] * 4
    fact = OrderFact.objects.get()
    assert (fact.status, fact.payment_status, fact.total_amount, fact.aggregate_version) == (
        "paid",
        "captured",
        2500,
        2,
    )


def test_a_handler_failing_every_retry_is_dead_lettered(reporting_outage, customer_client, mug):
    place(customer_client, ("MUG", 1), key="long-outage")
    drain_outbox()
    retry = OutboxEvent.objects.get(
        handler="apps.reporting.handlers.project_order", type="orders.OrderCreated.v1"
    )

    outcomes = []
    envelope, attempt, first = retry.envelope, retry.attempt, retry.first_failed_at.isoformat()
    while attempt <= 4:  # tests retry three times (EVENTS_RETRY_SCHEDULE), then dead-letter
        outcomes.append(deliver(envelope, retry.handler, attempt=attempt, first_failed_at=first))
        attempt += 1

    assert outcomes == ["retry_scheduled", "retry_scheduled", "dead_lettered"]
    dead = DeadLetter.objects.get()
    assert (dead.handler, dead.event_type, dead.attempts) == (
        "apps.reporting.handlers.project_order",
        "orders.OrderCreated.v1",
        4,
    )
    assert Order.objects.get().status == "paid"
