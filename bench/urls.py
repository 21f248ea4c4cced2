"""The project's URLs plus the reference views benchmarks compare against.

Importing it (each gunicorn worker does, on its first request) also stocks the SKUs that
bench/orders.py orders: with mongomock every process has a catalog of its own, and there it
keeps the reservations collection small (see _prune_reservations).
"""

import itertools
import json
import secrets
import uuid
from datetime import timedelta

import mongoengine
from django.conf import settings
from django.core.signals import request_finished
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.catalog.contracts import ProductInput
from apps.catalog.public import product_upsert
from config.urls import urlpatterns as project_urlpatterns

# A small catalog (mongomock scans every document) whose stock never runs out during a run.
BENCH_SKUS = ("BENCH-1", "BENCH-2", "BENCH-3")


def minimal(request):
    """The reference: a minimal Django JSON view behind the same middleware."""
    return JsonResponse({"ok": True})


@csrf_exempt
def minimal_order(request):
    """The least an order can cost through Django: five raw INSERTs in one transaction into the
    real tables (an order, two lines, an outbox event, an idempotency record); no ORM, no DRF."""
    order_id, event_id, now = uuid.uuid4(), uuid.uuid4(), timezone.now()
    body = json.dumps({"id": str(order_id), "status": "placed"})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_order (id, number, customer_id, customer_email, status, currency,"
            " total_amount, item_count, shipping_address, payment_provider, payment_status,"
            " payment_version, reservation_ref, carrier, tracking_number, version, created_at, updated_at)"
            " VALUES (%s, %s, 0, 'bench@bench.local', 'placed', 'EUR', 3000, 2, %s, 'sandbox',"
            " 'authorized', 1, %s, '', '', 1, %s, %s)",
            [order_id, f"B{secrets.token_hex(9)}", '{"country": "GB"}', str(order_id), now, now],
        )
        for sku, price in (("BENCH-1", 1000), ("BENCH-2", 2000)):
            cursor.execute(
                "INSERT INTO orders_orderline (order_id, sku, name, unit_price, quantity, line_total)"
                " VALUES (%s, %s, 'Bench product', %s, 1, %s)",
                [order_id, sku, price, price],
            )
        cursor.execute(
            "INSERT INTO events_outboxevent (event_id, type, subject, envelope, handler, attempt, replay,"
            " redrive, created_at, available_at)"
            " VALUES (%s, 'bench.MinimalOrder.v1', %s, %s, '', 1, 0, 0, %s, %s)",
            [event_id, str(order_id), body, now, now],
        )
        cursor.execute(
            "INSERT INTO common_idempotencykey (principal, endpoint, key, fingerprint, state,"
            " response_status, response_body, response_content_type, created_at, completed_at, expires_at)"
            " VALUES ('bench', 'POST /bench/minimal-order', %s, '', 'completed', 201, %s,"
            " 'application/json', %s, %s, %s)",
            [str(order_id), body, now, now, now + timedelta(hours=24)],
        )
    return JsonResponse({"id": str(order_id), "status": "placed"}, status=201)


def _stock_bench_catalog() -> None:
    for number, sku in enumerate(BENCH_SKUS, start=1):
        product_upsert(
            product=ProductInput(
                sku=sku,
                name=f"Bench product {number}",
                category="bench",
                price_amount=1000 * number,
                currency="EUR",
                on_hand=10**9,
            )
        )


_requests = itertools.count(1)


def _prune_reservations(**kwargs) -> None:
    """mongomock scans every document on every lookup, and each order adds a reservation that
    about eight lookups scan: left alone, an order's catalog CPU grows by ~0.04 ms per stored
    reservation (tens of ms within one run). MongoDB finds them by index; here the committed
    ones, which nothing in a bench touches again, are deleted every 10 requests."""
    if next(_requests) % 10 == 0:
        mongoengine.get_db()["reservations"].delete_many({"status": "committed"})


_stock_bench_catalog()
if settings.MONGODB["mock"]:
    request_finished.connect(_prune_reservations, dispatch_uid="bench.prune_reservations")

urlpatterns = [
    path("bench/minimal", minimal),
    path("bench/minimal-order", minimal_order),
    *project_urlpatterns,
]
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
