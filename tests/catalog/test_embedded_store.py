"""The embedded store (mongomock) kept under a directory survives a restart of the process."""

from datetime import timedelta

import mongomock
import pytest
from mongoengine.connection import get_db

from apps.catalog import services
from apps.catalog.contracts import StockLine
from apps.catalog.embedded import persist_to, stop_persisting
from apps.catalog.public import stock_reserve
from apps.demo.data import demo_products_load
from tests.factories.catalog import ProductFactory

# Not marked `mongodb`: tests/conftest.py runs these on mongomock even when MONGODB_URI is set.
pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(tmp_path):
    persist_to(tmp_path, get_db())
    yield tmp_path
    stop_persisting()


def restarted(directory):
    """The store a new process would load: a fresh mongomock server, empty until loaded."""
    database = mongomock.MongoClient(tz_aware=True).get_database(get_db().name)
    assert database.variants.count_documents({}) == 0
    persist_to(directory, database)
    return database


def test_sales_and_staff_edits_survive_a_restart(kept, settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    ProductFactory(sku="MUG", name="Mug", on_hand=10, price_amount=1200)
    stock_reserve(order_ref="o-1", lines=[StockLine("MUG", 3)], ttl=timedelta(minutes=15))
    services.stock_adjust(sku="MUG", delta=-2, reason="broken", actor_id=1, actor_email="a@b.c")

    database = restarted(kept)

    product = database.variants.find_one({"sku": "MUG"})
    assert (product["on_hand"], product["reserved"], product["available"]) == (8, 3, 5)
    assert database.reservations.find_one({"order_ref": "o-1"})["status"] == "held"
    assert database.stock_adjustments.count_documents({"sku": "MUG"}) == 1
    assert product["updated_at"].tzinfo is not None  # dates come back as dates


def test_demo_products_load_only_into_an_empty_catalog():
    first = demo_products_load()
    services.stock_adjust(sku=_a_demo_sku(), delta=7, reason="found more", actor_id=1, actor_email="a@b.c")
    before = _stock(_a_demo_sku())

    assert demo_products_load() == first
    assert _stock(_a_demo_sku()) == before  # not reset to the demo file's numbers


def _a_demo_sku() -> str:
    return get_db().variants.find_one({}, sort=[("sku", 1)])["sku"]


def _stock(sku):
    doc = get_db().variants.find_one({"sku": sku})
    return doc["on_hand"], doc["available"]
