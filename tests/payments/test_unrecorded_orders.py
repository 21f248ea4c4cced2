"""Placement commits the authorization (payments' transaction) before the order (orders'): a process
that dies between the two leaves an authorized payment with no order. A retry of the same request
completes it exactly once; without one, reconciliation voids it. Real PostgreSQL, the Stripe
stand-in counting what reaches the provider."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.catalog.documents import Variant
from apps.events.models import OutboxEvent
from apps.orders import services as orders_services
from apps.orders.contracts import Customer, LineRequest
from apps.orders.models import Order
from apps.orders.selectors import orders_existing
from apps.payments import order_check
from apps.payments.models import Payment, PaymentStatusChange
from apps.payments.reconciliation import payments_reconcile
from tests.factories.accounts import token_client
from tests.factories.catalog import ProductFactory
from tests.factories.orders import ADDRESS
from tests.helpers import place

pytestmark = pytest.mark.django_db(databases="__all__")


class Crash(BaseException):
    """The placing process stops here: none of orders' code after the authorization runs."""


@pytest.fixture(autouse=True)
def _stripe(stripe_settings):
    return stripe_settings


def _place(client, key: str = "k"):
    return place(client, ("MUG", 1), provider="stripe", method="pm_card_visa", key=key)


def _crash_between_the_commits(customer, monkeypatch) -> Payment:
    """The request `_place(client of customer)` makes, dying after payments' commit and before
    orders' transaction begins (called below the view: the request's own key claim and span are
    not the point here, and a retry after a real crash takes the claim over anyway)."""

    def crash(*args, **kwargs):
        raise Crash()

    with monkeypatch.context() as patched:
        patched.setattr(orders_services, "_record", crash)
        with pytest.raises(Crash):
            orders_services.order_create(
                customer=Customer(customer.pk, customer.email),
                idempotency_key="k",
                lines=[LineRequest("MUG", 1)],
                shipping_address=dict(ADDRESS),
                payment_provider="stripe",
                payment_method="pm_card_visa",
            )
    payment = Payment.objects.get()
    assert (payment.status, Order.objects.count()) == ("authorized", 0)
    return payment


def _untouched_for(payment: Payment, minutes: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def _intents_created(standin) -> int:
    return sum(r.method == "POST" and r.path == "/v1/payment_intents" for r in standin.requests)


def test_an_authorization_left_without_its_order_is_voided_by_reconciliation(
    customer, customer_client, monkeypatch, stripe_standin
):
    ProductFactory(sku="MUG", on_hand=10)
    payment = _crash_between_the_commits(customer, monkeypatch)

    _untouched_for(payment, 14)  # a retry of the request may still come: left alone
    assert payments_reconcile().findings == []
    _untouched_for(payment, 16)
    run = payments_reconcile()

    payment.refresh_from_db()
    assert payment.status == "voided"
    assert stripe_standin.intents[payment.provider_ref]["status"] == "canceled"
    last = PaymentStatusChange.objects.filter(payment=payment).last()
    assert (last.action, last.actor) == ("void", "reconciliation")
    assert last.reason.startswith("no order was recorded for it")
    assert [(f["finding"], f["needs_staff"]) for f in run.findings] == [("voided_without_order", False)]
    assert OutboxEvent.objects.filter(type="payments.PaymentVoided.v1", subject=str(payment.pk)).count() == 1
    assert payments_reconcile().checked == 0  # done: a second run changes nothing

    # A late retry of the same request places nothing: its payment is gone, the answer says so.
    late = _place(customer_client)

    assert late.status_code == 409
    assert (late.json()["type"].endswith("/payment-state-conflict"), late.json()["payment_status"]) == (
        True,
        "voided",
    )
    assert (Order.objects.count(), Payment.objects.count(), _intents_created(stripe_standin)) == (0, 1, 1)
    assert Variant.objects.get(sku="MUG").on_hand == 10  # nothing committed


def test_a_retry_of_the_request_completes_it_exactly_once(
    customer, customer_client, monkeypatch, stripe_standin
):
    ProductFactory(sku="MUG", on_hand=10)
    payment = _crash_between_the_commits(customer, monkeypatch)

    retry = _place(customer_client)
    again = _place(customer_client)

    assert retry.status_code == 201, retry.json()
    assert again.content == retry.content and again["Idempotent-Replayed"] == "true"
    order = Order.objects.get()
    assert (str(order.pk), order.payment_id, order.payment_status) == (
        retry.json()["id"],
        payment.pk,
        "authorized",
    )
    assert (Payment.objects.count(), _intents_created(stripe_standin)) == (1, 1)  # no second authorization
    assert PaymentStatusChange.objects.filter(payment=payment, action="authorize").count() == 1
    assert OutboxEvent.objects.filter(type="orders.OrderCreated.v1").count() == 1
    mug = Variant.objects.get(sku="MUG")
    assert mug.on_hand == 9  # the retry's reservation committed; the dead run's waits for its TTL
    assert mug.reserved == 1

    _untouched_for(payment, 16)  # its order exists: reconciliation leaves it authorized
    run = payments_reconcile()

    assert Payment.objects.get().status == "authorized"
    assert [f["finding"] for f in run.findings] == []


def test_the_order_check_is_the_one_orders_registered():
    assert order_check._source == [orders_existing]


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
def test_a_retry_meeting_the_sweep_on_the_payment_loses_cleanly(customer, monkeypatch, stripe_standin):
    """The sweep holds the payment's row lock and has found no order; a retry arrives then. It
    waits for the lock, sees the void, and answers 409: never an order on a voided payment."""
    ProductFactory(sku="MUG", on_hand=10)
    client = token_client(customer)
    payment = _crash_between_the_commits(customer, monkeypatch)
    _untouched_for(payment, 16)
    checked, go_on = threading.Event(), threading.Event()

    def slow_check(*, order_ids):
        found = orders_existing(order_ids=order_ids)
        checked.set()
        assert go_on.wait(30)
        return found

    monkeypatch.setattr(order_check, "_source", [slow_check])
    answers = []

    def retry():
        try:
            answers.append(_place(client))
        finally:
            connection.close()

    sweep = threading.Thread(target=lambda: (payments_reconcile(), connection.close()))
    sweep.start()
    assert checked.wait(30)  # the sweep: row lock held, no order found
    retrying = threading.Thread(target=retry)
    retrying.start()
    _wait_for_a_lock_wait()  # the retry blocks on the payment's row
    go_on.set()
    sweep.join(30)
    retrying.join(30)

    assert answers[0].status_code == 409, answers[0].content
    assert answers[0].json()["payment_status"] == "voided"
    assert (Order.objects.count(), Payment.objects.get().status) == (0, "voided")
    assert _intents_created(stripe_standin) == 1


def _wait_for_a_lock_wait() -> None:
    database = connections["default"].settings_dict["NAME"]
    deadline = time.monotonic() + 30
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                [database],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the retry never waited for the payment's row lock")
