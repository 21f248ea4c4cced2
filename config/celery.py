"""The Celery app. Settings come from Django's CELERY_* settings."""

import os

from celery import Celery, bootsteps
from celery.signals import beat_init, task_postrun, worker_init, worker_process_shutdown
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("commerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log lines in tasks carry the request_id of the request that enqueued them, and the task's id.
app.steps["worker"].add(DjangoStructLogInitStep)


class EventBindings(bootsteps.StartStopStep):
    """Each time the worker connects, bind this deployment's events queue to the event types its
    handlers subscribe to (apps/events/routing.py), if this worker consumes that queue."""

    requires = {"celery.worker.consumer.connection:Connection"}

    def start(self, consumer) -> None:
        from django.conf import settings

        from apps.events.public import bind_events_queue

        if settings.EVENTS_QUEUE in consumer.app.amqp.queues.consume_from:
            with consumer.connection.channel() as channel:
                bind_events_queue(consumer.app, channel)


app.steps["consumer"].add(EventBindings)


EMBEDDED_CATALOG_REFUSED = (
    "Refusing to start a Celery worker on the embedded catalog: without MONGODB_URI the catalog is "
    "in-process memory (mongomock), so this worker would never see the web's products or stock "
    "reservations (its handlers would retry or undo them). Set MONGODB_URI to a MongoDB server, or "
    "run without CELERY_BROKER_URL so tasks run in the web process."
)


@worker_init.connect
def _refuse_the_embedded_catalog(sender=None, **kwargs) -> None:
    from django.conf import settings

    if settings.MONGODB["mock"] and not settings.CATALOG_EMBEDDED_PER_PROCESS:
        # SystemExit, not an exception: Celery logs and ignores exceptions raised by signal handlers.
        raise SystemExit(EMBEDDED_CATALOG_REFUSED)


@worker_init.connect
def _start_worker_telemetry(sender=None, **kwargs) -> None:
    # In the main worker process, before any pool forks: children inherit both.
    from apps.common import metrics
    from config.telemetry import configure_telemetry

    configure_telemetry(component="worker")
    metrics.observe_celery_tasks()
    if port := os.environ.get("WORKER_METRICS_PORT"):
        metrics.serve_worker_metrics(int(port))


@worker_process_shutdown.connect
def _forget_dead_process(pid=None, **kwargs) -> None:
    from apps.common import metrics

    metrics.mark_process_dead(pid or os.getpid())


@beat_init.connect
def _start_beat_telemetry(**kwargs) -> None:
    from config.telemetry import configure_telemetry

    configure_telemetry(component="beat")


@task_postrun.connect
def _close_unusable_connections(task=None, **kwargs) -> None:
    # With CELERY_DB_REUSE_MAX set, Celery keeps connections; drop broken or expired ones the
    # way Django does at the end of a request. Not for eager tasks: they run inside a request.
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
