"""gunicorn settings for web processes (docker and `make up`)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 5000
max_requests_jitter = 500
# Above Django's own limits (REQUEST_TARGET_MAX, REQUEST_HEADER_MAX), so Django answers those in
# problem+json; 8190 is the largest request line gunicorn accepts short of unlimited.
limit_request_line = 8190
limit_request_field_size = 32768
# django-structlog writes one JSON line per request; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"


EMBEDDED_CATALOG_REFUSED = (
    "Refusing to start gunicorn with {workers} workers on the embedded catalog: without MONGODB_URI "
    "the catalog is in-process memory (mongomock), so each worker would sell from its own copy and "
    "a recycled worker would forget products and sold stock. Set MONGODB_URI to a MongoDB server "
    "(or run one worker: WEB_CONCURRENCY=1)."
)


def on_starting(server):
    # Checked before any worker forks; the settings are not loaded yet, so read the environment.
    if os.environ.get("MONGODB_URI"):
        return
    if os.environ.get("CATALOG_EMBEDDED_PER_PROCESS", "").lower() in ("1", "true", "yes", "on"):
        return  # one catalog per worker, on purpose (benchmarks, tests)
    if server.cfg.workers > 1:
        raise SystemExit(EMBEDDED_CATALOG_REFUSED.format(workers=server.cfg.workers))
    # One worker keeps one catalog only if it is never recycled.
    server.cfg.set("max_requests", 0)
    server.log.warning(
        "Embedded catalog (no MONGODB_URI): one worker, never recycled; data lasts until it stops."
    )


def child_exit(server, worker):
    # A recycled or killed worker's in-flight gauge must stop counting (multiprocess metrics).
    from apps.common.metrics import mark_process_dead

    mark_process_dead(worker.pid)
