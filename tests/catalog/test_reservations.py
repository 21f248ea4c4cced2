import threading
from datetime import timedelta

import pytest
from django.db import connection

from apps.catalog.contracts import LineFailure, ReservationFailed, ReservationMismatch, StockLine
from apps.catalog.documents import Reservation, Variant
from apps.catalog.public import prices_for, stock_commit, stock_release, stock_reserve
from apps.catalog.reservations import reservations_expire
from apps.events.models import OutboxEvent
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
TTL = timedelta(minutes=15)


def stock(sku: str) -> tuple[int, int, int]:
    product = Variant.objects.get(sku=sku)
    return product.on_hand, product.reserved, product.available


def test_reserve_holds_every_line():
    ProductFactory(sku="A", on_hand=10)
    ProductFactory(sku="B", on_hand=3)

    state = stock_reserve(
        order_ref="o-1", lines=[StockLine("A", 2), StockLine("B", 3), StockLine("A", 1)], ttl=TTL
    )

    assert (state.status, state.lines) == ("held", (StockLine("A", 3), StockLine("B", 3)))
    assert stock("A") == (10, 3, 7)
    assert stock("B") == (3, 3, 0)


def test_reserve_is_all_or_nothing_and_names_the_lines_that_failed():
    ProductFactory(sku="A", on_hand=10)
    ProductFactory(sku="B", on_hand=1)

    with pytest.raises(ReservationFailed) as failed:
        stock_reserve(order_ref="o-1", lines=[StockLine("A", 2), StockLine("B", 3)], ttl=TTL)

    assert failed.value.failures == [LineFailure("B", 3, 1, "insufficient_stock")]
    assert stock("A") == (10, 0, 10)  # given back
    assert not Reservation.objects(order_ref="o-1")  # the order may try again later


@pytest.mark.parametrize(("setup", "reason"), [({}, "unknown_sku"), ({"active": False}, "inactive")])
def test_unknown_and_inactive_skus_fail_with_their_reason(setup, reason):
    if setup:
        ProductFactory(sku="X", **setup)

    with pytest.raises(ReservationFailed) as failed:
        stock_reserve(order_ref="o-1", lines=[StockLine("X", 1)], ttl=TTL)

    assert failed.value.failures == [LineFailure("X", 1, 0, reason)]


def test_reserving_again_with_the_same_order_ref_takes_stock_once():
    ProductFactory(sku="A", on_hand=10)

    first = stock_reserve(order_ref="o-1", lines=[StockLine("A", 4)], ttl=TTL)
    again = stock_reserve(order_ref="o-1", lines=[StockLine("A", 4)], ttl=TTL)

    assert first == again
    assert stock("A") == (10, 4, 6)
    with pytest.raises(ReservationMismatch):
        stock_reserve(order_ref="o-1", lines=[StockLine("A", 5)], ttl=TTL)


def test_commit_takes_held_units_out_of_stock_once():
    ProductFactory(sku="A", on_hand=10)
    stock_reserve(order_ref="o-1", lines=[StockLine("A", 4)], ttl=TTL)

    assert stock_commit(order_ref="o-1").status == "committed"
    assert stock_commit(order_ref="o-1").status == "committed"

    assert stock("A") == (6, 0, 6)


def test_releasing_a_committed_reservation_puts_its_units_back_on_hand_once():
    ProductFactory(sku="A", on_hand=10)
    stock_reserve(order_ref="o-1", lines=[StockLine("A", 4)], ttl=TTL)
    stock_commit(order_ref="o-1")

    assert stock_release(order_ref="o-1").status == "returned"  # the order was cancelled after commit
    assert stock_release(order_ref="o-1").status == "returned"
    assert stock_commit(order_ref="o-1").status == "returned"

    assert stock("A") == (10, 0, 10)


def test_release_gives_held_units_back_once():
    ProductFactory(sku="A", on_hand=10)
    stock_reserve(order_ref="o-1", lines=[StockLine("A", 4)], ttl=TTL)

    assert stock_release(order_ref="o-1").status == "released"
    assert stock_release(order_ref="o-1").status == "released"
    assert stock_commit(order_ref="o-1").status == "released"

    assert stock("A") == (10, 0, 10)


def test_expired_reservations_are_released_including_half_made_ones():
    ProductFactory(sku="A", on_hand=10)
    ProductFactory(sku="B", on_hand=10)
    stock_reserve(order_ref="expired", lines=[StockLine("A", 2)], ttl=timedelta(seconds=-1))
    stock_reserve(order_ref="current", lines=[StockLine("A", 3)], ttl=TTL)
    # A reserve that crashed after taking B but before finishing: pending, with B applied.
    stock_reserve(order_ref="crashed", lines=[StockLine("B", 5)], ttl=timedelta(seconds=-1))
    Reservation.objects(order_ref="crashed").update_one(set__status="pending")

    assert reservations_expire() == 2

    assert stock("A") == (10, 3, 7)
    assert stock("B") == (10, 0, 10)
    assert Reservation.objects.get(order_ref="crashed").status == "released"
    assert reservations_expire() == 0


def test_racing_reservations_never_oversell(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = (
        -1
    )  # no events: threads would commit outside the test's transaction
    ProductFactory(sku="LAST", on_hand=5)
    outcomes: list[str] = []
    start = threading.Barrier(20)

    def buyer(n: int) -> None:
        start.wait()
        try:
            stock_reserve(order_ref=f"o-{n}", lines=[StockLine("LAST", 1)], ttl=TTL)
            outcomes.append("held")
        except ReservationFailed:
            outcomes.append("failed")
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["failed"] * 15 + ["held"] * 5
    assert stock("LAST") == (5, 5, 0)


def test_low_stock_after_a_reservation_is_announced(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="A", on_hand=8)

    stock_reserve(order_ref="o-1", lines=[StockLine("A", 2)], ttl=TTL)  # 6 left: not yet low
    stock_reserve(order_ref="o-2", lines=[StockLine("A", 2)], ttl=TTL)  # 4 left: low

    (event,) = OutboxEvent.objects.filter(type="catalog.StockLow.v1")
    assert event.subject == "A"
    assert event.envelope["data"] == {"sku": "A", "available": 4, "threshold": 5}


def test_prices_for_many_skus_in_one_call():
    ProductFactory(sku="A", name="Mug", price_amount=1400, on_hand=3)
    ProductFactory(sku="B", name="Pan", price_amount=4900, on_hand=0, active=False)

    prices = prices_for(skus=["A", "B", "NOPE"])

    assert set(prices) == {"A", "B"}
    assert (prices["A"].name, prices["A"].price_amount, prices["A"].currency, prices["A"].available) == (
        "Mug",
        1400,
        "EUR",
        3,
    )
    assert prices["B"].active is False


def test_indexes_are_created_by_the_deploy_command(capsys):
    from django.core.management import call_command

    call_command("catalog_ensure_indexes")

    out = capsys.readouterr().out
    assert "variants: " in out and "sku_1" in out
    assert "reservations: " in out and "order_ref_1" in out
