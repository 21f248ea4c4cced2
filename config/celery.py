"""The Celery app. Settings come from Django's CELERY_* settings."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("commerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _start_telemetry(**kwargs) -> None:
    # Each forked worker process needs its own exporter threads.
    from config.telemetry import configure_telemetry

    configure_telemetry(component="worker")
