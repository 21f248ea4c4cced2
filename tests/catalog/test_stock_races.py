"""Stock under forced thread interleaving: tiny switch intervals make a non-atomic
find-then-update interleave within a few rounds, so these tests fail when an operation is not
atomic on the store they run against (on mongomock they oversold in most rounds before the
embedded store serialised its writes)."""

import sys
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection

from apps.catalog import services
from apps.catalog.contracts import ProductInput, ReservationFailed, StockLine
from apps.catalog.documents import Variant
from apps.catalog.public import product_upsert, stock_release, stock_reserve
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]  # threshold -1: the threads never touch PostgreSQL
TTL = timedelta(minutes=15)
ROUNDS = 30
BUYERS = 20
UNITS = 5


@contextmanager
def tiny_switch_interval():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def race(workers) -> None:
    """Run every callable in its own thread, all released at once."""
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        start.wait()
        try:
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    with tiny_switch_interval():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors


def buyer(sku: str, n: int, held: list[int]):
    """A buyer of one unit of `sku`, noting in `held` whether it got one."""

    def work():
        try:
            stock_reserve(order_ref=f"{sku}-o{n}", lines=[StockLine(sku, 1)], ttl=TTL)
            held.append(n)
        except ReservationFailed:
            pass

    return work


def counters(sku: str) -> tuple[int, int, int]:
    doc = Variant._get_collection().find_one({"sku": sku})
    return doc["on_hand"], doc["reserved"], doc["available"]


def test_racing_buyers_never_oversell_over_many_rounds(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1  # no events: this test is about the counters
    oversold = []
    for round_ in range(ROUNDS):
        sku = f"LAST-{round_}"
        ProductFactory(sku=sku, on_hand=UNITS)
        held: list[int] = []

        race([buyer(sku, n, held) for n in range(BUYERS)])
        if len(held) != UNITS or counters(sku) != (UNITS, UNITS, 0):
            oversold.append((round_, len(held), counters(sku)))

    assert oversold == [], f"{len(oversold)} of {ROUNDS} rounds broke the count: {oversold[:5]}"


def test_admin_adjustments_racing_reservations_keep_the_count(settings):
    """Staff remove and add units while buyers reserve and release: every unit is accounted for."""
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    broken = []
    for round_ in range(ROUNDS // 3):
        sku = f"SHELF-{round_}"
        ProductFactory(sku=sku, on_hand=10)
        removed: list[int] = []

        def buyer(n, sku=sku):
            def work():
                ref = f"{sku}-o{n}"
                try:
                    stock_reserve(order_ref=ref, lines=[StockLine(sku, 1)], ttl=TTL)
                except ReservationFailed:
                    return
                if n % 2:
                    stock_release(order_ref=ref)

            return work

        def clerk(delta, sku=sku, removed=removed):
            def work():
                try:
                    services.stock_adjust(
                        sku=sku, delta=delta, reason="count", actor_id=1, actor_email="a@b.c"
                    )
                    removed.append(-delta)
                except services.StockAdjustmentRefused:
                    pass

            return work

        race([buyer(n) for n in range(8)] + [clerk(-2) for _ in range(4)] + [clerk(+1) for _ in range(2)])
        on_hand, reserved, available = counters(sku)
        held = sum(
            1
            for n in range(8)
            if n % 2 == 0
            and Variant._get_collection().database.reservations.find_one(
                {"order_ref": f"{sku}-o{n}", "status": "held"}
            )
        )
        if not (on_hand == 10 - sum(removed) and reserved == held and available == on_hand - reserved >= 0):
            broken.append((round_, on_hand, reserved, available, sum(removed), held))

    assert broken == []


def test_an_upsert_racing_reservations_never_loses_a_held_unit(settings):
    """The demo/import upsert sets on_hand; units reserved meanwhile stay reserved and covered."""
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    broken = []
    for round_ in range(ROUNDS // 3):
        sku = f"IMPORT-{round_}"
        ProductFactory(sku=sku, on_hand=10)
        held: list[int] = []

        def importer(sku=sku):
            product_upsert(
                product=ProductInput(
                    sku=sku,
                    name="Imported",
                    category="kitchen",
                    price_amount=1999,
                    currency="EUR",
                    on_hand=10,
                )
            )

        race([buyer(sku, n, held) for n in range(6)] + [importer])
        on_hand, reserved, available = counters(sku)
        if (on_hand, reserved, available) != (10, len(held), 10 - len(held)):
            broken.append((round_, on_hand, reserved, available, len(held)))

    assert broken == []
