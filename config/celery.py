"""The Celery app. Settings come from Django's CELERY_* settings."""

import os

from celery import Celery
from celery.signals import task_postrun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("commerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _start_telemetry(**kwargs) -> None:
    # Each forked worker process needs its own exporter threads.
    from config.telemetry import configure_telemetry

    configure_telemetry(component="worker")


@task_postrun.connect
def _close_unusable_connections(task=None, **kwargs) -> None:
    # With CELERY_DB_REUSE_MAX set, Celery keeps connections; drop broken or expired ones the
    # way Django does at the end of a request. Not for eager tasks: they run inside a request.
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
