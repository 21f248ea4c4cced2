"""Real threads and PostgreSQL connections, with the interleaving forced by barriers: both racers
have read everything a read-then-write check would look at before either writes."""

import threading

import pytest
from django.db import connection

from apps.checkout import services
from apps.checkout.models import Checkout, Voucher, VoucherRedemption
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.checkout.helpers import complete, customer_checkout, ready_checkout
from tests.factories.accounts import UserFactory, token_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def together(requests: list) -> list:
    """Run each callable in its own thread; their results in order."""
    results = [None] * len(requests)

    def run(i: int) -> None:
        try:
            results[i] = requests[i]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def meet_before(monkeypatch, name: str, parties: int = 2) -> None:
    """Make services.<name> wait until `parties` threads reached it, then run it."""
    original = getattr(services, name)
    barrier = threading.Barrier(parties, timeout=20)

    def waiting(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, waiting)


@pytest.mark.parametrize("round_", range(3))
def test_two_completes_of_one_checkout_racing_give_one_order(shop, monkeypatch, round_):
    customer = UserFactory()
    client, other = token_client(customer), token_client(customer)
    checkout_id = customer_checkout(client)["id"]
    ready_checkout(client, checkout_id, ("MUG", 1), method_id=shop["express"].pk)
    # Both requests have loaded the open checkout before either claims it
    meet_before(monkeypatch, "_claim")

    responses = together(
        [
            lambda: complete(client, checkout_id, key="tab-1"),
            lambda: complete(other, checkout_id, key="tab-2"),
        ]
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["type"].endswith("/checkout-completing") or refused["type"].endswith("/checkout-completed")
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)
    checkout = Checkout.objects.get()
    assert (checkout.status, checkout.order_id) == ("completed", Order.objects.get().pk)


@pytest.mark.parametrize("round_", range(3))
def test_a_one_use_voucher_raced_by_two_checkouts_gives_one_discount_and_one_409(shop, monkeypatch, round_):
    Voucher.objects.create(code="ONCE", kind="fixed", amount=500, usage_limit=1)
    clients = [token_client(UserFactory()), token_client(UserFactory())]
    ids = [customer_checkout(c)["id"] for c in clients]
    for client, checkout_id in zip(clients, ids, strict=True):
        ready_checkout(client, checkout_id, ("MUG", 1), method_id=shop["express"].pk, voucher="ONCE")
    # Both have priced the checkout and checked the voucher (unused) before either places its order
    meet_before(monkeypatch, "order_place")

    responses = together([lambda i=i: complete(clients[i], ids[i]) for i in range(2)])

    assert sorted(r.status_code for r in responses) == [201, 409], [r.json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["type"].endswith("/voucher-unavailable") and refused["reason"] == "used_up"
    order = Order.objects.get()
    assert (order.discount_amount, order.voucher_code, order.total_amount) == (500, "ONCE", 1190 - 500 + 1290)
    assert Voucher.objects.get().used_count == 1
    assert VoucherRedemption.objects.get().order_id == order.pk
    # The loser's authorization was voided: nothing stays charged
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["authorized", "voided"]
    assert sorted(Checkout.objects.values_list("status", flat=True)) == ["completed", "open"]
