"""/metrics: who may read it, and what it says after traffic whose size the test knows."""

import json

import pytest
import requests
from opentelemetry import trace

from apps.common.metrics import scrape_registry
from apps.events.models import OutboxEvent
from tests.events.conftest import real_worker, wait_for
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place, publish_payment_voided
from tests.observability.scrape import samples, value
from tests.test_dashboard import EXPORTED

pytestmark = pytest.mark.django_db(databases="__all__")
TOKEN = "metrics-test-token"
tracer = trace.get_tracer(__name__)
# Exported but not charted: a nudge that failed is covered by the sweep; the backlog shows it.
# events_redriven_total: rare by design (a lost dispatch); read it in logs (event_redriven) for now.
LEFT_OFF_THE_DASHBOARD = {"events_relay_nudges_failed_total", "events_redriven_total"}


@pytest.fixture
def scrape(api_client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.BACKPRESSURE_SAMPLE_SECONDS = 0  # a fresh backlog sample at every scrape

    def read() -> dict:
        response = api_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        return samples(response.content.decode())

    return read


def test_metrics_need_the_bearer_token_when_one_is_set(api_client, settings):
    settings.METRICS_TOKEN = TOKEN

    assert api_client.get("/metrics").status_code == 401
    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert api_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_production_without_a_token_does_not_serve_metrics(api_client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_OPEN_WITHOUT_TOKEN = False  # as config/settings/production.py sets it

    assert api_client.get("/metrics").status_code == 404


def test_request_payment_cache_and_outbox_metrics_count_the_traffic_sent(customer_client, scrape):
    ProductFactory(sku="METER-1", on_hand=10)
    orders = ("api/v1/orders", "POST")
    before = scrape()

    assert place(customer_client, ("METER-1", 1), key="m-1").status_code == 201
    assert place(customer_client, ("METER-1", 2), key="m-2").status_code == 201
    assert place(customer_client, ("METER-1", 0), key="m-3").status_code == 400
    assert place(customer_client, ("METER-1", 1), key="m-4", method="pm_sandbox_declined").status_code == 402
    assert customer_client.get("/api/v1/products/METER-1").status_code == 200
    assert customer_client.get("/api/v1/products/METER-1").status_code == 200
    assert customer_client.get("/no/such/page").status_code == 404
    assert customer_client.generic("BREW", "/api/v1/orders").status_code == 405
    after = scrape()

    def delta(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route, method = orders
    assert delta("http_requests_total", route=route, method=method, status_class="2xx") == 2
    assert delta("http_requests_total", route=route, method=method, status_class="4xx") == 2
    assert delta("http_request_duration_seconds_count", route=route, method=method) == 4
    assert delta("http_request_errors_total", route=route, method=method) == 0
    assert value(after, "http_requests_in_flight", route=route, method=method) == 0
    # Unknown paths share one series: a scanner cannot mint a series per URL.
    assert delta("http_requests_total", route="<unmatched>", method="GET", status_class="4xx") == 1
    # ... nor an invented method a series per method.
    assert delta("http_requests_total", route=route, method="OTHER", status_class="4xx") == 1

    authorize = {"provider": "sandbox", "operation": "authorize"}
    assert delta("payment_provider_requests_total", **authorize, outcome="ok") == 2
    assert delta("payment_provider_requests_total", **authorize, outcome="declined") == 1
    assert delta("payment_provider_request_duration_seconds_count", **authorize) == 3

    assert delta("catalog_cache_requests_total", kind="detail", result="miss") >= 1
    assert delta("catalog_cache_requests_total", kind="detail", result="hit") >= 1

    # Two orders, two events each (OrderCreated, PaymentAuthorized); the decline's PaymentFailed too.
    assert value(after, "events_outbox_pending") == 5
    assert value(after, "backpressure_shedding") == 0


def test_handler_metrics_count_each_outcome(customer_client, scrape):
    ProductFactory(sku="METER-2", on_hand=10)
    place(customer_client, ("METER-2", 1), key="h-1")
    before = scrape()

    outcomes = drain_outbox()
    after = scrape()

    notify = "apps.notifications.handlers.notify"
    runs = sum(1 for _, handler, _ in outcomes if handler == "notify")
    assert runs >= 2  # OrderCreated, PaymentAuthorized, then what capture causes
    processed = value(after, "events_handler_outcomes_total", handler=notify, outcome="processed")
    assert (
        processed - value(before, "events_handler_outcomes_total", handler=notify, outcome="processed")
        == runs
    )
    duration = value(after, "events_handler_duration_seconds_count", handler=notify)
    assert duration - value(before, "events_handler_duration_seconds_count", handler=notify) == runs
    assert value(after, "events_outbox_pending") == 0


@real_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
def test_a_prefork_worker_continues_the_trace_counts_on_its_own_endpoint_and_logs_json(
    worker_process, tmp_path, free_port
):
    (tmp_path / "metrics").mkdir()  # docker/entrypoint.sh makes it in production
    worker_process.start(
        pool="prefork",  # tasks in child processes, summed through PROMETHEUS_MULTIPROC_DIR
        env={
            "WORKER_METRICS_PORT": str(free_port),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "LOG_FORMAT": "json",
        },
    )
    with tracer.start_as_current_span("test.producer") as producer:
        payment_id = publish_payment_voided()
    event_id = str(OutboxEvent.objects.get(subject=payment_id).event_id)

    url = f"http://127.0.0.1:{free_port}/metrics"
    project = "apps.reporting.handlers.project_payment"

    def handled() -> bool:
        scraped = samples(requests.get(url, timeout=5).text)
        return value(scraped, "events_handler_outcomes_total", handler=project, outcome="processed") == 1

    wait_for(handled, what="the worker's /metrics to count the handled event")
    scraped = samples(requests.get(url, timeout=5).text)
    assert value(scraped, "celery_tasks_total", task="events.dispatch_many", state="succeeded") >= 1
    assert value(scraped, "events_handler_duration_seconds_count", handler=project) == 1
    assert value(scraped, "events_handler_failures_total", handler=project) == 0

    lines = [json.loads(line) for line in worker_process.log.read_text().splitlines() if line.startswith("{")]
    [handled_line] = [
        line for line in lines if line["event"] == "event_handled" and line["handler"] == project
    ]
    assert handled_line["task"] == "events.dispatch_many"
    assert handled_line["task_id"]
    assert (handled_line["event_id"], handled_line["attempt"]) == (event_id, 1)
    assert handled_line["level"] == "info" and handled_line["timestamp"]
    # The worker's line sits in the trace of the code that sent the event, two processes away.
    assert handled_line["trace_id"] == format(producer.get_span_context().trace_id, "032x")
    assert len(handled_line["span_id"]) == 16


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_metric_the_app_defines_is_charted_or_named_as_left_off():
    # Counters are listed under their family name, which drops the _total the series carry.
    defined = {
        family.name + ("_total" if family.type == "counter" else "")
        for family in scrape_registry().collect()
        if not family.name.startswith(("process_", "python_"))  # prometheus_client's own
    }

    assert defined == EXPORTED | LEFT_OFF_THE_DASHBOARD
