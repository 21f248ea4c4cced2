"""One placed order is one trace: the request, its SQL, the outbox relay, the handlers in a worker,
and the webhook they send, joined across the broker by the traceparent the outbox row carries."""

import os

import pytest
from celery.signals import task_postrun
from django.db import connections
from opentelemetry.trace import SpanKind

from config.celery import app as celery_app
from config.telemetry import enabled_instrumentations
from tests.events.conftest import real_worker, wait_for
from tests.factories.catalog import ProductFactory
from tests.factories.orders import ADDRESS, order_request
from tests.helpers import embedded_worker
from tests.notifications.conftest import make_endpoint

pytestmark = [
    real_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]


@pytest.fixture(autouse=True)
def _worker_threads_close_their_connections():
    """Threads of the in-process worker keep their own connections; closed after each task, or the
    test database could not be dropped at the end of the session."""

    def close(**kwargs) -> None:
        connections.close_all()

    task_postrun.connect(close, weak=False, dispatch_uid="tests.close_worker_thread_connections")
    yield
    task_postrun.disconnect(dispatch_uid="tests.close_worker_thread_connections")


CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def _ancestors(span, by_id: dict) -> list:
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


def test_a_placed_order_is_one_trace_from_the_callers_traceparent_to_the_outbound_webhook(
    customer, customer_client, receiver, spans
):
    ProductFactory(sku="TRACED-1")
    make_endpoint(receiver.url, "orders.OrderCreated.v1")

    # A worker thread in this process, on the real broker: it shares the mongomock catalog and the
    # span recorder, while the order, outbox and inbox rows go through the real PostgreSQL.
    celery_app.control.purge()  # messages an interrupted earlier run left in the test queues
    with embedded_worker(
        celery_app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        hostname=f"tracing-{os.getpid()}@%h",
    ):
        response = customer_client.post(
            "/api/v1/orders",
            order_request(("TRACED-1", 1)),
            format="json",
            HTTP_IDEMPOTENCY_KEY="traced-1",
            HTTP_TRACEPARENT=f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
        )
        assert response.status_code == 201, response.content
        wait_for(lambda: receiver.requests, what="the webhook to arrive")
        wait_for(
            lambda: any(s.kind == SpanKind.CLIENT and s.attributes.get("http.url") == receiver.url
                        for s in spans.finished),
            what="the webhook's HTTP span to end",
        )  # fmt: skip
        # The other OrderCreated handlers run beside the webhook's and may finish after it.
        wait_for(
            lambda: len({s.attributes.get("event.handler") for s in spans.finished
                         if s.name == "events.handle orders.OrderCreated.v1"}) >= 5,
            what="every OrderCreated handler's span to end",
        )  # fmt: skip

    [server] = [
        s
        for s in spans.finished
        if s.kind == SpanKind.SERVER and s.attributes.get("http.route") == "api/v1/orders"
    ]
    assert format(server.context.trace_id, "032x") == CALLER_TRACE  # the caller's trace is honoured
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    in_trace = spans.trace_of(server)
    by_id = {s.context.span_id: s for s in in_trace}
    names = {s.name for s in in_trace}

    assert {"orders.order_create", "orders.reserve_stock", "payments.authorize", "orders.insert"} <= names
    [insert] = [
        s
        for s in in_trace
        if str(s.attributes.get("db.statement", "")).startswith('INSERT INTO "orders_order"')
    ]
    assert server in _ancestors(insert, by_id)

    [relayed] = [s for s in in_trace if s.name == "events.relay orders.OrderCreated.v1"]
    assert relayed.attributes["event.type"] == "orders.OrderCreated.v1"
    handled = {
        s.attributes["event.handler"]: s for s in in_trace if s.name == "events.handle orders.OrderCreated.v1"
    }
    assert set(handled) == {
        "apps.orders.handlers.capture_when_immediate",
        "apps.orders.handlers.commit_stock",
        "apps.notifications.handlers.notify",
        "apps.notifications.handlers.remember_order",
        "apps.reporting.handlers.project_order",
    }
    for handler in handled.values():
        assert relayed in _ancestors(handler, by_id)  # relay → broker → worker → handler, one chain
        assert handler.attributes["event.attempt"] == 1

    [delivery] = [s for s in in_trace if s.name == "notifications.deliver webhook"]
    [outbound] = [
        s for s in in_trace if s.kind == SpanKind.CLIENT and s.attributes.get("http.url") == receiver.url
    ]
    assert delivery in _ancestors(outbound, by_id)
    assert handled["apps.notifications.handlers.notify"] in _ancestors(delivery, by_id)
    [request] = receiver.requests
    assert (
        request.headers["traceparent"] == f"00-{CALLER_TRACE}-{format(outbound.context.span_id, '016x')}-01"
    )

    # The events the capture handler caused belong to the same trace.
    assert "events.handle payments.PaymentCaptured.v1" in names
    # No personal data in any span of the trace.
    personal = [customer.email, ADDRESS["line1"], ADDRESS["postal_code"], ADDRESS["name"]]
    for span in in_trace:
        for value in span.attributes.values():
            assert not any(item in str(value) for item in personal), (span.name, value)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ["django", "celery", "pymongo", "requests"]),
        ({"OTEL_STATEMENT_SPANS": "true"}, ["django", "celery", "psycopg", "redis", "pymongo", "requests"]),
        (
            {"OTEL_STATEMENT_SPANS": "True", "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "redis, celery"},
            ["django", "psycopg", "pymongo", "requests"],
        ),
    ],
)
def test_spans_per_sql_statement_and_redis_command_are_opt_in(environ, expected):
    assert enabled_instrumentations(environ) == expected
