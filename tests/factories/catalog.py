import factory
from factory.mongoengine import MongoEngineFactory

from apps.catalog.documents import Variant


class ProductFactory(MongoEngineFactory):
    """A product whose `available` is consistent with its stock unless given explicitly."""

    class Meta:
        model = Variant

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Variant {n}")
    description = "A fine thing."
    category = "kitchen"
    price_amount = 1999
    currency = "EUR"
    on_hand = 10
    reserved = 0
    available = factory.LazyAttribute(lambda p: p.on_hand - p.reserved)
