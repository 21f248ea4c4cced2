"""Prometheus metrics: per-endpoint request metrics, per-task worker metrics, and the scrape.

Each module defines its own counters next to its code; this module owns what they share: the
request middleware, the `/metrics` view, the worker's endpoint, and live collectors (gauges read
at scrape time, such as the outbox backlog) that other modules register.

Several processes (gunicorn workers, Celery's prefork pool) each count on their own. With
PROMETHEUS_MULTIPROC_DIR set they write to files there and a scrape sums them; without it, a
scrape sees the one process it reaches.
"""

import hmac
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector

UNMATCHED_ROUTE = "<unmatched>"  # a 404 scan must not mint one series per path it tried
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # others: "OTHER"

http_requests = Counter("http_requests_total", "Requests answered", ["route", "method", "status_class"])
http_errors = Counter(
    "http_request_errors_total", "5xx answers and unhandled exceptions", ["route", "method"]
)
http_duration = Histogram(
    "http_request_duration_seconds",
    "Time to answer, from the first middleware on",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
http_in_flight = Gauge(
    "http_requests_in_flight", "Requests being handled", ["route", "method"], multiprocess_mode="livesum"
)
celery_tasks = Counter("celery_tasks_total", "Tasks run, by final state", ["task", "state"])
celery_task_duration = Histogram("celery_task_duration_seconds", "Task run time", ["task"])

_live_collectors: list[Collector] = []


def register_live_collector(collector: Collector) -> None:
    """Add a collector read at every scrape of this process (gauges computed on demand)."""
    _live_collectors.append(collector)


def method_of(request) -> str:
    return request.method if request.method in METHODS else "OTHER"


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    """Count, time and track in-flight requests per route template, method and status class.

    Goes first in MIDDLEWARE so the time includes every other middleware. The route is known only
    once URL resolution is done, so in-flight starts in process_view.
    """

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            self._observe(request, 500, started)
            raise
        self._observe(request, response.status_code, started)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._metrics_in_flight = http_in_flight.labels(route_of(request), method_of(request))
        request._metrics_in_flight.inc()

    def _observe(self, request, status: int, started: float) -> None:
        route, method = route_of(request), method_of(request)
        if in_flight := getattr(request, "_metrics_in_flight", None):
            in_flight.dec()
        http_duration.labels(route, method).observe(time.perf_counter() - started)
        http_requests.labels(route, method, f"{status // 100}xx").inc()
        if status >= 500:
            http_errors.labels(route, method).inc()


@require_GET
def metrics_view(request):
    """The Prometheus scrape. Needs `Authorization: Bearer <METRICS_TOKEN>` when a token is set;
    without one it is open only where settings.METRICS_OPEN_WITHOUT_TOKEN allows (not production)."""
    token = settings.METRICS_TOKEN
    if not token:
        if not settings.METRICS_OPEN_WITHOUT_TOKEN:
            raise Http404
    elif not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        response = HttpResponse("metrics need a bearer token\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


def scrape_registry(*, live: bool = True) -> CollectorRegistry:
    """What one scrape reports: every process's counters (or this process's), plus live gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Delegate(REGISTRY))
    for collector in _live_collectors if live else ():
        registry.register(collector)
    return registry


class _Delegate(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable:
        return self.source.collect()


def mark_process_dead(pid: int) -> None:
    """A finished process's live gauges must stop counting (its counters stay in the sums)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def serve_worker_metrics(port: int) -> None:
    """A worker's own /metrics on `port`, served from a thread of the main worker process. Live
    gauges (backlog, queue depths) are left to the web scrape: one source, no double counting."""
    start_http_server(port, registry=scrape_registry(live=False))


_task_started: dict[str, float] = {}
_task_lock = threading.Lock()


def observe_celery_tasks() -> None:
    """Count and time every task a worker runs (task name and final state)."""
    from celery.signals import task_postrun, task_prerun, task_retry

    def started(task_id=None, **kwargs):
        with _task_lock:
            _task_started[task_id] = time.perf_counter()

    def finished(task_id=None, task=None, state=None, **kwargs):
        with _task_lock:
            began = _task_started.pop(task_id, None)
        if began is not None and task is not None:
            celery_task_duration.labels(task.name).observe(time.perf_counter() - began)
        if task is not None and state in ("SUCCESS", "FAILURE"):
            celery_tasks.labels(task.name, "succeeded" if state == "SUCCESS" else "failed").inc()
        # RETRY is counted by task_retry, which knows it was a retry and not a failure.

    def retried(request=None, **kwargs):
        if request is not None:
            celery_tasks.labels(request.task, "retried").inc()

    # dispatch_uid: a second worker started in the same process (tests) must not count twice.
    task_prerun.connect(started, weak=False, dispatch_uid="metrics.task_started")
    task_postrun.connect(finished, weak=False, dispatch_uid="metrics.task_finished")
    task_retry.connect(retried, weak=False, dispatch_uid="metrics.task_retried")
