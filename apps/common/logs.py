"""django_structlog's hooks: the request line gets method, route, status and duration; worker
lines get the task's name. Trace ids and redaction are processors, in config/logs.py."""

import time

import structlog

from apps.common.metrics import route_of


def connect_receivers() -> None:
    from django_structlog import signals
    from django_structlog.celery import signals as celery_signals

    signals.bind_extra_request_metadata.connect(_request_started, weak=False)
    signals.bind_extra_request_finished_metadata.connect(_request_finished, weak=False)
    celery_signals.bind_extra_task_metadata.connect(_task_started, weak=False)


def _request_started(request, logger, log_kwargs, **kwargs) -> None:
    request._log_started = time.perf_counter()


def _request_finished(request, logger, response, log_kwargs, **kwargs) -> None:
    log_kwargs["method"] = request.method
    log_kwargs["route"] = route_of(request)
    log_kwargs["status"] = log_kwargs.pop("code", response.status_code)
    if started := getattr(request, "_log_started", None):
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)


def _task_started(task, logger, **kwargs) -> None:
    structlog.contextvars.bind_contextvars(task=task.name)
