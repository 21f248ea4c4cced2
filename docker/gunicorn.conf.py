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
# django-structlog writes one JSON line per request; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"


def child_exit(server, worker):
    # A recycled or killed worker's in-flight gauge must stop counting (multiprocess metrics).
    from apps.common.metrics import mark_process_dead

    mark_process_dead(worker.pid)
