"""Catalog events that survive a crash between the MongoDB write and the outbox row.

MongoDB cannot join PostgreSQL's transaction. So a write that causes an event records it in
the same MongoDB update, on the product (`pending_events`: id, type, data, version, at). After
the write, `deliver` writes it to the outbox under the event's own id (recorded once, however
often it is sent) and then removes it from the product. A process that dies in between leaves
it on the product, where `relay_pending` (beat, every 30 s) finds and delivers it.

StockLow is recorded without data when the update cannot know the exact availability it leaves
(a conditional `$inc`): the writer fills it in from the update's result; the relay, from the
product as it finds it (and says nothing if stock is no longer low by then).
"""

import uuid
from dataclasses import asdict
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.documents import Variant
from apps.catalog.event_data import PriceData, ProductPriceChangedData, StockLowData
from apps.catalog.signals import product_price_changed, stock_low

logger = structlog.get_logger(__name__)

PRICE_CHANGED = "catalog.ProductPriceChanged.v1"
STOCK_LOW = "catalog.StockLow.v1"
_SIGNALS = {PRICE_CHANGED: product_price_changed, STOCK_LOW: stock_low}
RELAY_AFTER = timedelta(seconds=30)  # younger ones are still being delivered by their writer


def pending(
    event_type: str, *, data: ProductPriceChangedData | StockLowData | None = None, version: int | None = None
) -> dict:
    """An event to record in a product update (`$push: {"pending_events": ...}`)."""
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "data": None if data is None else asdict(data),
        "version": version,
        "at": timezone.now(),
    }


def deliver(sku: str, events: list[dict], *, current: dict | None = None) -> bool:
    """Outbox rows for `events` (one transaction), then forget them on the product. An event
    without data is a StockLow filled from `current` (sku, available, version), or dropped."""
    if not events:
        return True
    try:
        with transaction.atomic():
            for event in events:
                _send(sku, event, current)
    except Exception as exc:  # PostgreSQL unavailable: the events wait on the product for the relay
        logger.warning("catalog_event_delivery_deferred", sku=sku, error=str(exc))
        return False
    forget(sku, [event["id"] for event in events])
    return True


def forget(sku: str, event_ids: list[str]) -> None:
    Variant._get_collection().update_one(
        {"sku": sku}, {"$pull": {"pending_events": {"id": {"$in": event_ids}}}}
    )


def relay_pending(*, older_than: timedelta = RELAY_AFTER) -> int:
    """Deliver events a writer recorded but did not get to the outbox (it crashed). Returns
    how many products had some."""
    cutoff = timezone.now() - older_than
    stale = Variant._get_collection().find(
        {"pending_events.at": {"$lte": cutoff}},
        {"sku": True, "available": True, "version": True, "pending_events": True},
    )
    delivered = 0
    for doc in stale:
        events = [e for e in doc["pending_events"] if _aware(e["at"]) <= cutoff]
        delivered += deliver(doc["sku"], events, current=doc)
    return delivered


def _send(sku: str, event: dict, current: dict | None) -> None:
    data, version = event["data"], event["version"]
    if data is None:  # StockLow recorded by a stock update: the low state the product shows now
        threshold = settings.CATALOG_STOCK_LOW_THRESHOLD
        if current is None or current["available"] > threshold:
            return
        data = StockLowData(sku=sku, available=current["available"], threshold=threshold)
        version = current["version"]
    elif isinstance(data, dict):
        data = _stored_data(event["type"], data)
    _SIGNALS[event["type"]].send(
        sender=Variant, subject=sku, aggregate_version=version, data=data, event_id=event["id"]
    )


def _stored_data(event_type: str, data: dict) -> ProductPriceChangedData | StockLowData:
    """Data kept on the product (a plain document) as its event_data class again: one that no
    longer fits the class fails here, in the producer, not in a consumer."""
    if event_type == PRICE_CHANGED:
        old, new = PriceData(**data["old_price"]), PriceData(**data["new_price"])
        return ProductPriceChangedData(sku=data["sku"], old_price=old, new_price=new)
    return StockLowData(**data)


def _aware(moment):
    return moment if moment.tzinfo else timezone.make_aware(moment, timezone.utc)
