import pytest

from apps.catalog.documents import Product, Reservation


@pytest.fixture(autouse=True)
def _catalog_indexes():
    """Indexes as `catalog_ensure_indexes` makes them at deploy (the unique SKU and order_ref)."""
    Product.ensure_indexes()
    Reservation.ensure_indexes()
