"""Shedding: past a threshold, place-order and cancel get 503 + Retry-After; everything else keeps
working; as the backlog drains, the same requests succeed again, with nobody flipping a switch."""

import json
import time

import pytest
from django.conf import settings as django_settings
from kombu import Queue

from apps.events.backpressure import current_pressure, sampler
from apps.payments.models import Payment
from apps.payments.providers import get_provider
from config.celery import app as celery_app
from tests.events.conftest import real_worker
from tests.events.probe.services import thing_do
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place
from tests.observability.scrape import samples, value

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.BACKPRESSURE_OUTBOX_PENDING_MAX = 3
    settings.BACKPRESSURE_QUEUE_DEPTH_MAX = 10**9  # earlier tests' nudges wait in the test queues
    settings.BACKPRESSURE_SAMPLE_SECONDS = 0  # every request sees the backlog as it is now
    settings.METRICS_TOKEN = ""
    return settings


def _assert_shed(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(django_settings.BACKPRESSURE_RETRY_AFTER)
    body = response.json()
    assert body["type"].endswith("/overloaded") and body["status"] == 503


def _provider_callback(api_client, payment: Payment):
    body = json.dumps(
        {"id": "evt_bp_1", "type": "payment.captured", "payment": payment.provider_ref,
         "amount": payment.amount, "created": int(time.time())}
    ).encode()  # fmt: skip
    return api_client.post(
        "/api/v1/payments/webhooks/sandbox",
        body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=get_provider("sandbox").sign(body),
    )


def test_an_outbox_backlog_sheds_place_and_cancel_until_it_drains(customer_client, admin_client, api_client):
    ProductFactory(sku="BUSY-1", on_hand=50)
    first = place(customer_client, ("BUSY-1", 1), key="bp-1")
    second = place(customer_client, ("BUSY-1", 1), key="bp-2")
    assert (first.status_code, second.status_code) == (201, 201)  # 2 then 4 events pending: over 3 now

    shed = place(customer_client, ("BUSY-1", 1), key="bp-3")
    _assert_shed(shed)
    _assert_shed(customer_client.post(f"/api/v1/orders/{first.json()['id']}/cancel", {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1"))  # fmt: skip

    # Reads, health, metrics, the admin and provider callbacks are not shed.
    assert customer_client.get("/api/v1/orders").status_code == 200
    assert customer_client.get(f"/api/v1/orders/{first.json()['id']}").status_code == 200
    assert api_client.get("/api/v1/products/BUSY-1").status_code == 200
    assert api_client.get("/healthz").status_code == 200
    ready = api_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["degraded"] == {"backpressure": ["outbox pending 4 > 3"]}
    payment = Payment.objects.get(order_id=first.json()["id"])
    assert _provider_callback(api_client, payment).status_code == 200
    scraped = samples(api_client.get("/metrics").content.decode())
    assert value(scraped, "backpressure_shedding") == 1
    assert value(scraped, "backpressure_shed_requests_total", route="api/v1/orders") >= 1
    assert admin_client.get("/admin/orders/order/").status_code == 200

    drain_outbox()  # the workers catch up

    # The refused key claimed nothing: the same request now places the order.
    again = place(customer_client, ("BUSY-1", 1), key="bp-3")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert api_client.get("/readyz").json()["status"] == "ok"
    assert value(samples(api_client.get("/metrics").content.decode()), "backpressure_shedding") == 0


@real_worker
def test_a_deep_broker_queue_on_the_order_path_sheds_and_recovers_when_emptied(
    customer_client, api_client, settings
):
    settings.BACKPRESSURE_QUEUE_DEPTH_MAX = 5
    ProductFactory(sku="BUSY-2", on_hand=50)
    relay_queue = Queue(f"{django_settings.CELERY_TASK_DEFAULT_QUEUE}.relay")
    celery_app.control.purge()  # nudges earlier tests left behind
    with celery_app.producer_or_acquire() as producer:
        for n in range(6):  # ready messages no worker takes (none runs in this test)
            producer.publish({"n": n}, routing_key=relay_queue.name, declare=[relay_queue], retry=False)
    try:
        _assert_shed(place(customer_client, ("BUSY-2", 1), key="q-1"))
        reasons = api_client.get("/readyz").json()["degraded"]["backpressure"]
        assert reasons == [f"queue {relay_queue.name} 6 > 5"]
    finally:
        with celery_app.connection_for_write() as connection:
            relay_queue(connection.default_channel).purge()

    assert place(customer_client, ("BUSY-2", 1), key="q-1").status_code == 201


def test_requests_read_a_sample_cached_per_process_not_the_database(settings):
    settings.BACKPRESSURE_SAMPLE_SECONDS = 60
    first = current_pressure()
    thing_do(note="after the sample")

    assert current_pressure() is first  # no query, no broker call: the cached sample
    sampler.forget()  # what the passing of BACKPRESSURE_SAMPLE_SECONDS does
    assert current_pressure().outbox.pending == first.outbox.pending + 1
