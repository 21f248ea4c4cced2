"""The catalog's MongoDB documents. Private to apps.catalog: others use catalog.public."""

from django.utils import timezone
from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    IntField,
    ListField,
    StringField,
    URLField,
)


class MediaItem(EmbeddedDocument):
    """An image in Django's storage (`path`), shown in `position` order."""

    path = StringField(required=True)
    alt = StringField(default="", max_length=300)
    position = IntField(default=0, min_value=0)
    width = IntField(min_value=1)
    height = IntField(min_value=1)


class Category(Document):
    """A node of the category tree. `path` is the slugs from the root down to this one, so
    "this category and everything under it" is one indexed match on products' `category_path`."""

    slug = StringField(required=True, max_length=64)
    name = StringField(required=True, max_length=100)
    parent = StringField(max_length=64, null=True)
    position = IntField(default=0, min_value=0)
    path = ListField(StringField(max_length=64))

    meta = {
        "collection": "categories",
        "auto_create_index": False,
        "indexes": [{"fields": ["slug"], "unique": True}, {"fields": ["parent", "position"]}],
    }


class Product(Document):
    """What a storefront shows as one product page: its variants (one per SKU) carry price,
    options and stock. Orders and stock know only SKUs (Variant)."""

    slug = StringField(required=True, max_length=100)
    name = StringField(required=True, max_length=200)
    description = StringField(default="")
    brand = StringField(default="", max_length=100)
    category = StringField(required=True, max_length=64)
    attributes = DictField()  # {"material": "steel"}: shown and filtered on
    option_names = ListField(StringField(max_length=40))  # ["size", "colour"]: what variants vary by
    media = EmbeddedDocumentListField(MediaItem)
    seo_title = StringField(default="", max_length=200)
    seo_description = StringField(default="", max_length=500)
    published = BooleanField(default=True)
    edit_version = IntField(required=True, default=0)
    # Listing fields, derived from the category tree and the variants (listing.refresh):
    category_path = ListField(StringField(max_length=64))
    prices = ListField(IntField())  # the active variants' distinct prices: the price filter
    price_min = IntField(default=0)
    currency = StringField(default="EUR", max_length=3)
    search_terms = ListField(StringField())  # normalised tokens of name, brand, attributes + prefixes
    created_at = DateTimeField(required=True, default=timezone.now)
    updated_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "catalog_products",
        "auto_create_index": False,
        "indexes": [
            {"fields": ["slug"], "unique": True},
            {"fields": ["published", "category_path"]},
            {"fields": ["published", "search_terms"]},
            {"fields": ["published", "price_min", "slug"]},
        ],
    }


class Collection(Document):
    """A hand-picked, ordered list of products ("Summer picks"), managed by merchandising. The
    storefront lists its published products in `products` order (or any listing sort)."""

    slug = StringField(required=True, max_length=64)
    name = StringField(required=True, max_length=100)
    description = StringField(default="", max_length=2000)
    products = ListField(StringField(max_length=100))  # product slugs, in the merchant's order
    published = BooleanField(default=True)
    edit_version = IntField(required=True, default=0)
    created_at = DateTimeField(required=True, default=timezone.now)
    updated_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "product_collections",
        "auto_create_index": False,
        "indexes": [{"fields": ["slug"], "unique": True}, {"fields": ["published", "slug"]}],
    }


class Variant(Document):
    """A sellable SKU: one variant of a Product (`product_slug`; none for a SKU loaded on its
    own by `product_upsert`). `available` = `on_hand` - `reserved`, kept by the same atomic
    updates, so "is there enough?" is one indexed, conditional update (`available >= qty`).
    `name`, `category` and `active` repeat the product's (active = published and on sale) so a
    reservation or price lookup is one document."""

    sku = StringField(required=True, max_length=64)
    product_slug = StringField(max_length=100, null=True)
    options = DictField()  # {"size": "L", "colour": "blue"}
    position = IntField(default=0)
    name = StringField(required=True, max_length=200)
    description = StringField(default="")
    category = StringField(required=True, max_length=64)
    attributes = DictField()
    images = ListField(URLField())
    active = BooleanField(default=True)
    price_amount = IntField(required=True, min_value=0)  # minor units
    compare_at_amount = IntField(min_value=0, null=True)  # the "was" price, if any
    currency = StringField(required=True, min_length=3, max_length=3)
    on_hand = IntField(required=True, min_value=0, default=0)
    reserved = IntField(required=True, min_value=0, default=0)
    available = IntField(required=True, min_value=0, default=0)
    weight_grams = IntField(min_value=0, default=0)  # shipping
    tax_class = StringField(max_length=32, default="standard")
    version = IntField(required=True, default=1)  # every change, stock included: the ETag
    edit_version = IntField(required=True, default=0)  # staff/import edits: optimistic locking
    # Events recorded in the same update as the change that caused them, until they reach the
    # outbox (pending_events.py).
    pending_events = ListField(DictField())
    # order_refs of the reservations holding units of this SKU, set and cleared by the same
    # updates that move them (stock.take_all / settle): what an order took, known without reading.
    holds = ListField(StringField())
    created_at = DateTimeField(required=True, default=timezone.now)
    updated_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "variants",
        # Created at deploy time by `manage.py catalog_ensure_indexes`, never on a request.
        "auto_create_index": False,
        "indexes": [
            {"fields": ["sku"], "unique": True},
            {"fields": ["active", "category", "sku"]},
            {"fields": ["active", "price_amount"]},
            {"fields": ["pending_events.at"], "sparse": True},  # the relay's sweep
            {"fields": ["product_slug", "position"]},
            {"fields": ["product_slug", "available"]},  # listings' in-stock filter
        ],
    }


class ReservedLine(EmbeddedDocument):
    sku = StringField(required=True)
    quantity = IntField(required=True, min_value=1)


class Reservation(Document):
    """Stock held for one order. The products it took from list its order_ref in `holds`, so a
    reservation interrupted half-way is still undone exactly. `applied` (the lines taken) is
    only on reservations made before `holds`, and settles them the way they were made."""

    order_ref = StringField(required=True, max_length=100)
    lines = EmbeddedDocumentListField(ReservedLine)
    applied = ListField(StringField())
    status = StringField(required=True, choices=("pending", "held", "committed", "released", "returned"))
    expires_at = DateTimeField(required=True)
    created_at = DateTimeField(required=True, default=timezone.now)
    updated_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "reservations",
        "auto_create_index": False,
        "indexes": [{"fields": ["order_ref"], "unique": True}, {"fields": ["status", "expires_at"]}],
    }


class StockAdjustment(Document):
    """Audit trail of manual stock changes made by staff: who, when, how much, why."""

    sku = StringField(required=True)
    delta = IntField(required=True)
    reason = StringField(required=True, max_length=500)
    actor_id = IntField(required=True)
    actor_email = StringField(required=True)
    on_hand_after = IntField(required=True)
    created_at = DateTimeField(required=True, default=timezone.now)

    meta = {
        "collection": "stock_adjustments",
        "auto_create_index": False,
        "indexes": [{"fields": ["sku", "-created_at"]}],
        "ordering": ["-created_at"],
    }
