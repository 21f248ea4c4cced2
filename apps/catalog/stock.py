"""The one way stock counters change: a single conditional atomic update of one product.

Reservations, commits, releases, expiry and staff adjustments all come here. On MongoDB each
call is one `find_one_and_update`; on the embedded store mongomock's operations are
serialised (embedded.py), so it is atomic there too.

A change that leaves availability at or under the low-stock threshold records a StockLow in the
same update (pending_events.py). Which one it is cannot be known before the update, so the
common case goes first: "and it stays above the threshold" as part of the condition, with no
event; only if that does not match, the update is tried again recording the event.

An order's lines move together, in one `bulk_write` (one round trip for any number of lines):
each product a reservation took from lists its order_ref in `holds`, in the same update, so
the updates that match are known without reading them back, a retry never takes twice, and
commit and release touch exactly the products that were taken, once.
"""

from django.conf import settings
from django.utils import timezone
from pymongo import ReturnDocument, UpdateOne

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


def take_all(order_ref: str, wanted: dict[str, int]) -> tuple[set[str], list[dict]]:
    """Hold `wanted` (sku: quantity) for order_ref on every active product with that many
    available; the rest are left alone. Returns the SKUs now held and their products' changes
    that recorded a StockLow (sku, available, version, event), for `after_change`.

    One round trip when no line runs low; otherwise one more, recording the event on those,
    and a read of the products that got one (their availability right after)."""
    now = timezone.now()
    floor = settings.CATALOG_STOCK_LOW_THRESHOLD + 1  # available after >= floor: not low

    def take(sku: str, quantity: int, minimum: int, event: dict | None) -> UpdateOne:
        update = {
            "$inc": {"available": -quantity, "reserved": quantity, "version": 1},
            "$set": {"updated_at": now},
            "$push": {"holds": order_ref},
        }
        if event is not None:
            update["$push"] = {"holds": order_ref, "pending_events": event}
        condition = {"sku": sku, "active": True, "available": {"$gte": minimum}, "holds": {"$ne": order_ref}}
        return UpdateOne(condition, update)

    collection = Variant._get_collection()
    result = collection.bulk_write(
        [take(sku, qty, max(qty, floor + qty), None) for sku, qty in wanted.items()], ordered=False
    )
    if result.matched_count == len(wanted):
        return set(wanted), []
    # Some would run low (or cannot be had): again, recording a StockLow on each. Those held
    # above already list order_ref and do not match a second time.
    events = {sku: pending_events.pending(pending_events.STOCK_LOW) for sku in wanted}
    collection.bulk_write([take(sku, qty, qty, events[sku]) for sku, qty in wanted.items()], ordered=False)
    held, changes = set(), []
    fields = {
        "_id": False,
        "sku": True,
        "available": True,
        "version": True,
        "holds": True,
        "pending_events": True,
    }
    for product in collection.find({"sku": {"$in": list(wanted)}}, fields):
        if order_ref in product.get("holds", ()):
            held.add(product["sku"])
        event = events[product["sku"]]
        if any(e["id"] == event["id"] for e in product.get("pending_events", ())):
            changes.append({key: product[key] for key in ("sku", "available", "version")} | {"event": event})
    return held, changes


def settle(
    order_ref: str, quantities: dict[str, int], *, available: int, reserved: int, on_hand: int
) -> None:
    """On each product order_ref holds: apply the signs given (-1, 0, 1) times its quantity and
    drop the hold. One round trip; a product no longer held (settled before) is left alone."""
    now = timezone.now()
    requests = [
        UpdateOne(
            {"sku": sku, "holds": order_ref},
            {
                "$inc": {
                    "available": available * qty,
                    "reserved": reserved * qty,
                    "on_hand": on_hand * qty,
                    "version": 1,
                },
                "$set": {"updated_at": now},
                "$pull": {"holds": order_ref},
            },
        )
        for sku, qty in quantities.items()
    ]
    if requests:
        Variant._get_collection().bulk_write(requests, ordered=False)


def restock_all(quantities: dict[str, int]) -> None:
    """Committed units back on hand and available (a cancelled order's return). One round trip."""
    now = timezone.now()
    requests = [
        UpdateOne(
            {"sku": sku},
            {"$inc": {"available": qty, "on_hand": qty, "version": 1}, "$set": {"updated_at": now}},
        )
        for sku, qty in quantities.items()
    ]
    if requests:
        Variant._get_collection().bulk_write(requests, ordered=False)
