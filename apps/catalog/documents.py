"""The catalog's MongoDB documents. Private to apps.catalog: others use catalog.public."""

from django.utils import timezone
from mongoengine import BooleanField, DateTimeField, Document, IntField, StringField


class Product(Document):
    sku = StringField(required=True, unique=True, max_length=64)
    name = StringField(required=True, max_length=200)
    description = StringField(default="")
    category = StringField(required=True, max_length=64)
    price_amount = IntField(required=True, min_value=0)  # minor units
    currency = StringField(required=True, min_length=3, max_length=3)
    stock_on_hand = IntField(required=True, min_value=0, default=0)
    stock_reserved = IntField(required=True, min_value=0, default=0)
    active = BooleanField(default=True)
    version = IntField(required=True, default=1)
    created_at = DateTimeField(required=True, default=timezone.now)
    updated_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "products",
        # Indexes are created at deploy time (issue: catalog), never on first request.
        "auto_create_index": False,
        "indexes": [{"fields": ["sku"], "unique": True}, "category", "price_amount"],
    }
