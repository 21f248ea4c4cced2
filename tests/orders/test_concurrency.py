"""Real threads, real PostgreSQL connections: duplicates and buyers racing for the last units."""

import threading

import pytest
from django.db import connection

from apps.catalog.documents import Variant
from apps.orders.models import Order
from apps.payments.models import Payment
from tests.factories.accounts import UserFactory, token_client, token_clients
from tests.factories.catalog import ProductFactory
from tests.helpers import place

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _together(count: int, request) -> list:
    """Run `request(i)` in `count` threads released at the same moment; their responses."""
    start = threading.Barrier(count)
    responses = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            responses[i] = request(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_fifty_identical_requests_with_one_key_make_one_order_and_one_authorization():
    ProductFactory(sku="MUG", on_hand=100)
    customer = UserFactory()
    clients = token_clients(customer, 50)

    responses = _together(50, lambda i: place(clients[i], ("MUG", 2), key="same-key"))

    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert Variant.objects.get(sku="MUG").available == 98
    created = [r for r in responses if r.status_code == 201]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_flight) == 50
    assert len({r.content for r in created}) == 1  # the first answer and its replays, byte for byte
    assert all(r.json()["type"].endswith("/idempotency-key-in-flight") for r in in_flight)
    assert created[0].json()["id"] == str(Order.objects.get().pk)


def test_buyers_racing_for_the_last_units_never_oversell():
    ProductFactory(sku="LAST", on_hand=5)
    clients = [token_client(UserFactory()) for _ in range(12)]

    responses = _together(12, lambda i: place(clients[i], ("LAST", 1), key=f"buyer-{i}"))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 5 + [409] * 7
    product = Variant.objects.get(sku="LAST")
    assert (product.on_hand, product.reserved, product.available) == (0, 0, 0)
    assert Order.objects.count() == 5
    assert Payment.objects.filter(status="authorized").count() == 5
