"""The one way stock counters change: a single conditional atomic update of one product.

Reservations, commits, releases, expiry and staff adjustments all come here. On MongoDB each
call is one `find_one_and_update`; on the embedded store mongomock's operations are
serialised (embedded.py), so it is atomic there too.

A change that leaves availability at or under the low-stock threshold records a StockLow in the
same update (pending_events.py). Which one it is cannot be known before the update, so the
common case goes first: "and it stays above the threshold" as part of the condition, with no
event; only if that does not match, the update is tried again recording the event.
"""

from django.conf import settings
from django.utils import timezone
from pymongo import ReturnDocument

from apps.catalog import pending_events
from apps.catalog.documents import Variant
from apps.catalog.event_data import StockLowData


def move_stock(condition: dict, *, available: int = 0, reserved: int = 0, on_hand: int = 0) -> dict | None:
    """Apply the deltas where `condition` matches: the product's sku, available and version
    after, plus `event` (a pending StockLow, delivered by `after_change`), or None when nothing
    matched. `condition` may bound `available` with `$gte` only.

    Raw pymongo: mongoengine would validate a negative $inc against the fields' min_value. The
    document comes back as it was BEFORE the update (mongomock re-applies the filter to the
    AFTER one and loses it); the update is atomic, so before + delta is exactly after."""
    update = {
        "$inc": {"available": available, "reserved": reserved, "on_hand": on_hand, "version": 1},
        "$set": {"updated_at": timezone.now()},
    }
    event = None
    if available:
        floor = settings.CATALOG_STOCK_LOW_THRESHOLD - available + 1  # before >= floor: not low after
        stays_high = {
            **condition,
            "available": {"$gte": max(floor, condition.get("available", {}).get("$gte", floor))},
        }
        before = _apply(stays_high, update)
        if before is None:
            event = pending_events.pending(pending_events.STOCK_LOW)
            before = _apply(condition, {**update, "$push": {"pending_events": event}})
    else:
        before = _apply(condition, update)
    if before is None:
        return None
    return {
        "sku": before["sku"],
        "available": before["available"] + available,
        "on_hand": before["on_hand"] + on_hand,
        "version": before["version"] + 1,
        "event": event,
    }


def after_change(changed) -> list[dict]:
    """Deliver the StockLow events the changes recorded (from the updates' own results: no re-read)."""
    changed = [c for c in changed if c is not None]
    for change in changed:
        if change["event"] is not None:
            threshold = settings.CATALOG_STOCK_LOW_THRESHOLD
            low = change["available"] <= threshold  # not low after all: a concurrent change raised it
            event = {
                **change["event"],
                "data": StockLowData(sku=change["sku"], available=change["available"], threshold=threshold),
                "version": change["version"],
            }
            if low:
                pending_events.deliver(change["sku"], [event])
            else:
                pending_events.forget(change["sku"], [event["id"]])
    return changed


def _apply(condition: dict, update: dict) -> dict | None:
    return Variant._get_collection().find_one_and_update(
        condition,
        update,
        projection={"_id": False, "sku": True, "available": True, "on_hand": True, "version": True},
        return_document=ReturnDocument.BEFORE,
    )
