"""Ship (capturing on shipment) racing cancel, with the interleaving forced: the loser charges nothing.

Real threads and PostgreSQL connections; the provider's capture call (what leaves the machine) is
the one thing wrapped, to hold the shipping request at the moment it moves money."""

import threading
import time

import pytest
from django.db import connection

from apps.orders.contracts import SYSTEM, ConcurrentUpdate
from apps.orders.models import Order
from apps.orders.services import order_cancel, order_ship
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.factories.accounts import UserFactory, token_client
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")


@pytest.fixture
def order(settings) -> Order:
    settings.ORDERS_CAPTURE_POLICY = "on_shipment"
    ProductFactory(sku="RACE", on_hand=10)
    response = place(token_client(UserFactory()), ("RACE", 1))
    assert response.status_code == 201, response.content
    drain_outbox()
    return Order.objects.get(pk=response.json()["id"])


@pytest.fixture
def captures(monkeypatch) -> list[str]:
    """Provider refs the sandbox was asked to capture."""
    calls: list[str] = []
    real = SandboxProvider.capture

    def recording(self, *, provider_ref, amount, idempotency_key):
        calls.append(provider_ref)
        return real(self, provider_ref=provider_ref, amount=amount, idempotency_key=idempotency_key)

    monkeypatch.setattr(SandboxProvider, "capture", recording)
    return calls


def test_a_cancel_that_wins_before_shipping_captures_leaves_nothing_charged(order, captures):
    shipping_view = Order.objects.get(pk=order.pk)  # what the ship request read, before the cancel
    order_cancel(order=Order.objects.get(pk=order.pk), actor=SYSTEM, reason="customer changed mind")

    with pytest.raises(ConcurrentUpdate):
        order_ship(order=shipping_view, carrier="DHL", tracking_number="T1", actor=SYSTEM)
    drain_outbox()  # the cancel's handler releases the money

    payment = Payment.objects.get(pk=order.payment_id)
    assert captures == []  # the provider was never asked to take money
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == ("voided", 0, 0)
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_a_cancel_during_the_shipping_capture_waits_and_loses(order, monkeypatch):
    in_capture, release = threading.Event(), threading.Event()
    real = SandboxProvider.capture

    def held(self, **kwargs):
        in_capture.set()
        assert release.wait(20)
        return real(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "capture", held)
    outcome: dict[str, object] = {}

    def ship() -> None:
        try:
            outcome["ship"] = order_ship(
                order=Order.objects.get(pk=order.pk), carrier="DHL", tracking_number="T2", actor=SYSTEM
            ).status
        finally:
            connection.close()

    def cancel() -> None:
        try:
            order_cancel(order=Order.objects.get(pk=order.pk), actor=SYSTEM)
            outcome["cancel"] = "cancelled"
        except ConcurrentUpdate as exc:
            outcome["cancel"] = f"lost ({exc.status})"
        finally:
            connection.close()

    shipper = threading.Thread(target=ship)
    shipper.start()
    assert in_capture.wait(20)
    canceller = threading.Thread(target=cancel)
    canceller.start()
    _wait_until_blocked_on_a_lock()  # the cancel has read the order and waits for the row
    release.set()
    shipper.join(20)
    canceller.join(20)

    assert outcome == {"ship": "shipped", "cancel": "lost (shipped)"}
    payment = Payment.objects.get(pk=order.payment_id)
    assert (payment.status, payment.amount_captured, payment.amount_refunded) == (
        "captured",
        payment.amount_authorized,
        0,
    )


def _wait_until_blocked_on_a_lock(timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the cancel never waited for the order's row lock")
