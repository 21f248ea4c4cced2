import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.catalog.contracts import LineFailure, ReservationFailed, ReservationMismatch, StockLine
from apps.catalog.documents import Reservation, ReservedLine, Variant
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
    # A reserve that crashed after taking B but before finishing: B lists it in `holds`.
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


def test_every_line_that_cannot_be_had_is_named_and_the_others_given_back():
    ProductFactory(sku="A", on_hand=10)
    ProductFactory(sku="B", on_hand=1)
    ProductFactory(sku="C", on_hand=10, active=False)

    with pytest.raises(ReservationFailed) as failed:
        stock_reserve(
            order_ref="o-1", lines=[StockLine("A", 2), StockLine("B", 3), StockLine("C", 1)], ttl=TTL
        )

    assert failed.value.failures == [
        LineFailure("B", 3, 1, "insufficient_stock"),
        LineFailure("C", 1, 0, "inactive"),
    ]
    assert stock("A") == (10, 0, 10)
    assert [Variant.objects.get(sku=sku).holds for sku in "ABC"] == [[], [], []]


def test_an_order_s_lines_cost_two_mongodb_round_trips_to_reserve_and_two_to_commit(monkeypatch):
    """However many lines: the reservation and one bulk write; its status and one bulk write."""
    for sku in ("A", "B", "C"):
        ProductFactory(sku=sku, on_hand=100)
    sent, inside = [], []
    collection = type(Variant._get_collection())
    for name in ("find", "find_one", "find_one_and_update", "insert_one", "update_one", "bulk_write"):
        original = getattr(collection, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            if not inside:  # mongomock's operations call each other: count what the caller sent
                sent.append((self.name, _name))
            inside.append(1)
            try:
                return _original(self, *args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(collection, name, counted)

    stock_reserve(order_ref="o-1", lines=[StockLine(sku, 2) for sku in "ABC"], ttl=TTL)
    reserved, sent[:] = list(sent), []
    stock_commit(order_ref="o-1")

    assert reserved == [("reservations", "insert_one"), ("variants", "bulk_write")]
    assert sent == [("reservations", "find_one_and_update"), ("variants", "bulk_write")]
    assert [stock(sku) for sku in "ABC"] == [(98, 0, 98)] * 3
    assert [Variant.objects.get(sku=sku).holds for sku in "ABC"] == [[], [], []]


def test_a_reserve_that_died_before_taking_anything_is_expired_without_giving_back():
    ProductFactory(sku="A", on_hand=10)
    Reservation(
        order_ref="died",
        lines=[ReservedLine(sku="A", quantity=4)],
        status="held",
        expires_at=timezone.now() - timedelta(seconds=1),
    ).save()

    assert reservations_expire() == 1

    assert stock("A") == (10, 0, 10)  # it took nothing, so nothing comes back


def test_a_reservation_made_before_holds_is_settled_line_by_line():
    ProductFactory(sku="A", on_hand=10)
    ProductFactory(sku="B", on_hand=10)
    # As the earlier code left it: A and B taken and listed in `applied`, no `holds` on them.
    Variant._get_collection().update_many({}, {"$inc": {"available": -3, "reserved": 3}})
    Reservation(
        order_ref="old",
        lines=[ReservedLine(sku="A", quantity=3), ReservedLine(sku="B", quantity=3)],
        applied=["A", "B"],
        status="held",
        expires_at=timezone.now() + TTL,
    ).save()
    Reservation(
        order_ref="old-2",
        lines=[ReservedLine(sku="A", quantity=1)],
        applied=["A"],
        status="held",
        expires_at=timezone.now() + TTL,
    ).save()
    Variant._get_collection().update_one({"sku": "A"}, {"$inc": {"available": -1, "reserved": 1}})

    stock_commit(order_ref="old")
    stock_release(order_ref="old-2")

    assert stock("A") == (7, 0, 7)
    assert stock("B") == (7, 0, 7)


def test_a_line_running_low_in_a_bulk_reserve_is_announced_once(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="A", on_hand=100)
    ProductFactory(sku="B", on_hand=8)

    stock_reserve(order_ref="o-1", lines=[StockLine("A", 1), StockLine("B", 4)], ttl=TTL)

    (event,) = OutboxEvent.objects.filter(type="catalog.StockLow.v1")
    assert (event.subject, event.envelope["data"]) == ("B", {"sku": "B", "available": 4, "threshold": 5})
    assert stock("A") == (100, 1, 99) and stock("B") == (8, 4, 4)
    assert Variant.objects.get(sku="B").pending_events == []  # delivered, then forgotten
