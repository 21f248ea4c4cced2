"""Helpers shared by the test packages: placing orders, draining the outbox, publishing an event,
finding the machine's service control commands, a missing tool."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest
from celery.contrib.testing.worker import TestWorkController, start_worker
from celery.worker import state as worker_state
from django.db import transaction
from rest_framework.test import APIClient

from apps.events.delivery import deliver
from apps.events.models import OutboxEvent
from apps.events.registry import subscribers
from apps.payments.event_data import PaymentData
from apps.payments.signals import payment_voided
from tests.factories.orders import order_request


def place(client: APIClient, *lines: tuple[str, int], key: str = "order-1", **options):
    return client.post(
        "/api/v1/orders", order_request(*lines, **options), format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def drain_outbox() -> list[tuple[str, str]]:
    """Run every pending event through its handlers in this process, as a worker would, until the
    handlers stop producing events. Returns (event type, handler, outcome) in order.
    In-process because the catalog is mongomock here: a worker process would see another catalog."""
    outcomes = []
    while pending := list(OutboxEvent.objects.filter(published_at__isnull=True, handler="").order_by("id")):
        for event in pending:
            OutboxEvent.objects.filter(pk=event.pk).update(published_at=event.created_at)
            for subscription in subscribers(event.type):
                handler = subscription.name.rsplit(".", 1)[-1]
                outcomes.append((event.type, handler, deliver(event.envelope, subscription.name)))
    return outcomes


def publish_payment_voided(*, amount: int = 2500) -> str:
    """Publish payments.PaymentVoided.v1 the way the payments module does (no order needed), for
    tests that need one real event through the backbone. Returns the payment id (the subject)."""
    data = PaymentData(
        payment_id=str(uuid.uuid4()),
        order_id=str(uuid.uuid4()),
        provider="sandbox",
        status="voided",
        currency="EUR",
        amount_authorized=amount,
        amount_captured=0,
        amount_refunded=0,
    )
    with transaction.atomic():
        payment_voided.send(sender=None, subject=data.payment_id, aggregate_version=2, data=data)
    return data.payment_id


def service_command(name: str) -> str:
    """The path of a service's control command (rabbitmqctl, pg_ctlcluster, …): Debian puts some in
    /usr/sbin, which a minimal PATH such as `env -i … make test` lacks."""
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: this test stops and starts the real service")
    return found


def tool_missing(reason: str) -> NoReturn:
    """A test whose tool (chromium, promtool) this machine lacks: skipped with the reason, saying
    what to install; in CI (`CI` set) it fails instead, so CI cannot go green without it."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


class _BoundedStartWorker(TestWorkController):
    def ensure_started(self) -> None:
        # Celery's own waits forever: a worker thread that dies while starting hung the suite.
        if not self._on_started.wait(EMBEDDED_WORKER_START_TIMEOUT):
            raise RuntimeError(
                f"the embedded Celery worker did not start in {EMBEDDED_WORKER_START_TIMEOUT} s"
            )


EMBEDDED_WORKER_START_TIMEOUT = 60


@contextmanager
def embedded_worker(app, **options) -> Iterator:
    """Celery's start_worker, safe to use again after an earlier embedded worker failed to stop:
    that one leaves the process-wide `should_terminate` flag set, and every later worker then
    exits while starting. Start is bounded; stop waits for slow tasks on a loaded machine."""
    worker_state.should_stop = worker_state.should_terminate = None
    try:
        with start_worker(app, WorkController=_BoundedStartWorker, shutdown_timeout=30, **options) as worker:
            yield worker
    finally:
        worker_state.should_stop = worker_state.should_terminate = None
