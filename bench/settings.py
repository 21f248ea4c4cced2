"""Settings for bench/outbox.py: the project's settings plus a probe module, on its own queue."""

from kombu import Queue

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, LOGGING

INSTALLED_APPS = [*INSTALLED_APPS, "bench.probe"]
CELERY_TASK_DEFAULT_QUEUE = EVENTS_QUEUE = "commerce-bench"
EVENTS_EXCHANGE = "commerce-bench.events"
# The project's queues under the bench's names, routed as config/settings/base.py routes them
# (bench/worker.py runs the webhooks queue on a threads-pool worker, as the Procfile does).
CELERY_TASK_QUEUES = tuple(
    Queue(name)
    for name in (
        "commerce-bench",
        "commerce-bench.relay",
        "commerce-bench.notifications",
        "commerce-bench.webhooks",
    )
)
CELERY_TASK_ROUTES = {
    "events.relay": {"queue": "commerce-bench.relay"},
    "notifications.send_message": {"queue": "commerce-bench.notifications"},
    "notifications.send_webhook": {"queue": "commerce-bench.webhooks"},
    "notifications.send_webhooks": {"queue": "commerce-bench.webhooks"},
}
CELERY_BEAT_SCHEDULE: dict = {}  # the bench nudges; no sweep to blur the numbers
LOGGING["root"]["level"] = "WARNING"  # a log line per task would be part of what is measured
ROOT_URLCONF = "bench.urls"
# With mongomock (no MONGODB_URI) each gunicorn worker starts its own in-memory catalog.
DEMO_CATALOG_ON_START = MONGODB["mock"]  # noqa: F405
# Benchmarks run several processes on mongomock on purpose (each its own catalog, measured as such).
CATALOG_EMBEDDED_PER_PROCESS = True

# The bench's probe event (benchprobe.Pinged.v1) has no published schema; the shop's events are
# validated on send by default, which bench/validation.py measures on its own (~0.1 % of an order).
EVENTS_VALIDATE_ON_SEND = False
