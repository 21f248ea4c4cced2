"""Catalog events are recorded in the same MongoDB update as the change; a process that dies
before the outbox row (or before forgetting the event on the product) loses nothing and
duplicates nothing: the relay delivers it under the event's own id."""

from datetime import timedelta

import pytest

from apps.catalog import pending_events, services
from apps.catalog.contracts import StockLine
from apps.catalog.documents import Variant
from apps.catalog.public import stock_reserve
from apps.catalog.tasks import relay_pending_events
from apps.events.models import OutboxEvent
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing after this point runs, no handler catches it."""


def die(*args, **kwargs):
    raise ProcessDied


def edit_price(sku: str, amount: int) -> None:
    services.product_save(
        sku=sku, name="Pan", description="", category="kitchen", price_amount=amount,
        compare_at_amount=None, currency="EUR", active=True, create=False,
    )  # fmt: skip


def outbox(event_type: str) -> list[dict]:
    return [row.envelope for row in OutboxEvent.objects.filter(type=event_type).order_by("id")]


def relay_all() -> int:
    return pending_events.relay_pending(older_than=timedelta(0))


def test_a_price_change_survives_death_before_the_outbox_row(monkeypatch):
    ProductFactory(sku="P-1", price_amount=4990)
    with monkeypatch.context() as patch:
        patch.setattr(pending_events, "deliver", die)
        with pytest.raises(ProcessDied):
            edit_price("P-1", 3990)

    assert Variant.objects.get(sku="P-1").price_amount == 3990  # the write stands
    assert outbox("catalog.ProductPriceChanged.v1") == []  # and its event is not in the outbox yet
    assert relay_all() == 1

    (event,) = outbox("catalog.ProductPriceChanged.v1")
    assert event["data"] == {
        "sku": "P-1",
        "old_price": {"amount": 4990, "currency": "EUR"},
        "new_price": {"amount": 3990, "currency": "EUR"},
    }
    assert event["aggregateversion"] == Variant.objects.get(sku="P-1").version
    assert Variant.objects.get(sku="P-1").pending_events == []
    assert relay_all() == 0


def test_death_after_the_outbox_row_does_not_duplicate_the_event(monkeypatch):
    ProductFactory(sku="P-1", price_amount=4990)
    with monkeypatch.context() as patch:
        patch.setattr(pending_events, "forget", die)
        with pytest.raises(ProcessDied):
            edit_price("P-1", 3990)
    assert len(outbox("catalog.ProductPriceChanged.v1")) == 1
    assert len(Variant.objects.get(sku="P-1").pending_events) == 1  # still on the product

    relay_all()

    assert len(outbox("catalog.ProductPriceChanged.v1")) == 1  # same event id: recorded once
    assert Variant.objects.get(sku="P-1").pending_events == []


def test_stock_low_survives_death_between_the_reservation_and_the_outbox(monkeypatch, settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="A", on_hand=7)
    with monkeypatch.context() as patch:
        patch.setattr(pending_events, "deliver", die)
        with pytest.raises(ProcessDied):
            stock_reserve(order_ref="o-1", lines=[StockLine("A", 3)], ttl=timedelta(minutes=15))
    assert outbox("catalog.StockLow.v1") == []

    relay_pending_events.run()  # the beat task, after RELAY_AFTER: nothing yet, it is too young
    assert outbox("catalog.StockLow.v1") == []
    assert relay_all() == 1

    (event,) = outbox("catalog.StockLow.v1")
    assert event["data"] == {"sku": "A", "available": 4, "threshold": 5}
    assert Variant.objects.get(sku="A").pending_events == []


def test_an_ordinary_change_delivers_its_event_at_once_and_leaves_nothing_pending(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="A", on_hand=20)

    stock_reserve(order_ref="o-1", lines=[StockLine("A", 10)], ttl=timedelta(minutes=15))  # 10 left
    stock_reserve(order_ref="o-2", lines=[StockLine("A", 6)], ttl=timedelta(minutes=15))  # 4 left: low

    assert [e["data"]["available"] for e in outbox("catalog.StockLow.v1")] == [4]
    assert Variant.objects.get(sku="A").pending_events == []
    assert relay_all() == 0


def test_a_stale_edit_is_refused_and_writes_nothing():
    ProductFactory(sku="P-1", price_amount=4990)
    opened = Variant.objects.get(sku="P-1").edit_version
    services.product_save(
        sku="P-1", name="Pan", description="", category="kitchen", price_amount=3990,
        compare_at_amount=None, currency="EUR", active=True, create=False, expected_version=opened,
    )  # fmt: skip

    with pytest.raises(services.ConcurrentUpdate):
        services.product_save(
            sku="P-1", name="Wok", description="", category="kitchen", price_amount=100,
            compare_at_amount=None, currency="EUR", active=True, create=False, expected_version=opened,
        )  # fmt: skip

    product = Variant.objects.get(sku="P-1")
    assert (product.name, product.price_amount) == ("Pan", 3990)
    assert len(outbox("catalog.ProductPriceChanged.v1")) == 1
