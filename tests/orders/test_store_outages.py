"""Orders placed while PostgreSQL (or Redis) restarts: the web answers 201 or 503 problem+json,
every accepted order is paid, every email goes once, nothing is dead-lettered.

These tests restart the machine's PostgreSQL and Redis: run them holding the exclusive services
lock (`flock -x /tmp/services.lock ...`). The stack is in this process so it shares the mongomock
catalog: a live HTTP server (Django's, threaded) and a Celery worker with a thread pool plus beat,
on the real broker, PostgreSQL and Redis.
"""

import os
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from celery.beat import EmbeddedService
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import close_old_connections, connections

from apps.accounts.tokens import token_issue
from apps.events.models import DeadLetter
from apps.orders.models import Order
from config.celery import app as celery_app
from tests.events.conftest import real_worker, wait_for
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import embedded_worker

pytestmark = [
    real_worker,
    pytest.mark.skipif(
        not settings.CACHES["default"]["BACKEND"].startswith("django_redis"), reason="needs Redis"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]
SERVICES_SH = Path(__file__).resolve().parents[3] / "shared" / "services.sh"
# Redis is started again the way the machine runs it (services.sh, beside the clone). From a clone
# elsewhere it could not be: the test would leave the machine's Redis down for everyone.
needs_services_sh = pytest.mark.skipif(
    not SERVICES_SH.exists(), reason=f"restarting Redis needs {SERVICES_SH} (clone beside ../shared)"
)
ORDERS = 20  # per shopper
SHOPPERS = 3


@pytest.fixture(autouse=True)
def _worker_threads_close_their_connections():
    """Worker threads keep connections of their own; closed after each task, or the test database
    could not be dropped at the end of the session (as in tests/observability/test_tracing.py)."""

    def close(**kwargs) -> None:
        connections.close_all()

    task_postrun.connect(close, weak=False, dispatch_uid="tests.outage_close_worker_connections")
    yield
    task_postrun.disconnect(dispatch_uid="tests.outage_close_worker_connections")


@pytest.fixture
def stack(live_server, tmp_path):
    celery_app.control.purge()
    beat = EmbeddedService(celery_app, thread=True, schedule_filename=str(tmp_path / "beat"))
    with embedded_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        hostname=f"outage-{os.getpid()}@%h",
    ):
        beat.start()
        try:
            yield live_server.url
        finally:
            beat.stop()
    mail.outbox.clear()


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def restart_postgresql() -> None:
    """Stopped (fast mode: every connection cut), down for 3 s, started again."""
    version = sorted(os.listdir("/etc/postgresql"))[0]
    try:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "--mode", "fast"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        time.sleep(3)
    finally:  # as services.sh does, but found wherever this clone is
        if not _port_open(5432):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=True,
                capture_output=True,
                timeout=120,
            )
        wait_for(lambda: _port_open(5432), timeout=60, what="PostgreSQL to start")


def restart_redis() -> None:
    try:
        subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, timeout=30)
        wait_for(lambda: not _port_open(6379), timeout=10, what="Redis to stop")
        time.sleep(3)  # down for a while, not just a blink
    finally:
        # services.sh starts Redis exactly as the machine runs it.
        subprocess.run(["bash", str(SERVICES_SH)], check=True, capture_output=True, timeout=120)


class Shopper(threading.Thread):
    """Places ORDERS orders one after another, retrying a 503 with the same key as a client should."""

    def __init__(self, url: str, token: str, sku: str, name: str) -> None:
        super().__init__(daemon=True)
        self.url, self.sku, self.key_prefix = url, sku, name
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.answers: list[tuple[int, str, str | None]] = []  # status, content type, Retry-After
        self.accepted: list[str] = []
        self.placed = threading.Event()

    def run(self) -> None:
        for n in range(ORDERS):
            for _ in range(200):
                response = self.session.post(
                    f"{self.url}/api/v1/orders",
                    json=order_request((self.sku, 1)),
                    headers={"Idempotency-Key": f"{self.key_prefix}-{n}"},
                    timeout=30,
                )
                self.answers.append(
                    (
                        response.status_code,
                        response.headers.get("Content-Type", ""),
                        response.headers.get("Retry-After"),
                    )
                )
                if response.status_code == 201:
                    self.accepted.append(response.json()["id"])
                    break
                if response.status_code != 503:
                    break
                time.sleep(0.25)
            if n == 3:
                self.placed.set()


def _orders_during(outage, stack_url: str) -> list[Shopper]:
    ProductFactory(sku="BLINK-1", on_hand=1000)
    shoppers = [
        Shopper(stack_url, token_issue(user=UserFactory())[0], "BLINK-1", f"shopper-{i}")
        for i in range(SHOPPERS)
    ]
    close_old_connections()
    for shopper in shoppers:
        shopper.start()
    assert all(s.placed.wait(60) for s in shoppers), "no order was placed before the outage"
    outage()
    for shopper in shoppers:
        shopper.join(timeout=300)
        assert not shopper.is_alive()
    close_old_connections()  # this thread's connection died with the restart
    return shoppers


def _assert_recovered(shoppers: list[Shopper]) -> Counter:
    answers = [answer for s in shoppers for answer in s.answers]
    accepted = [order_id for s in shoppers for order_id in s.accepted]
    statuses = Counter(status for status, _, _ in answers)
    assert set(statuses) <= {201, 503}, statuses
    for status, content_type, retry_after in answers:
        if status == 503:
            assert content_type == "application/problem+json"
            assert retry_after is not None and int(retry_after) > 0
    assert len(accepted) == ORDERS * SHOPPERS  # every order got through once its client retried

    def settled() -> bool:
        close_old_connections()
        paid = Order.objects.filter(pk__in=accepted, status="paid").count()
        return paid == len(accepted) and len(mail.outbox) >= 2 * len(accepted)

    wait_for(settled, timeout=180, what="every accepted order paid and its emails sent")
    time.sleep(8)  # past the re-drive deadline (5 s in tests) and a few sweeps: nothing more is sent
    sent = Counter((tuple(m.to), m.subject) for m in mail.outbox)
    assert len(mail.outbox) == 2 * len(accepted)  # placed + paid, per order
    assert max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]
    assert not DeadLetter.objects.exists(), list(DeadLetter.objects.values_list("handler", "error"))
    return statuses


def test_orders_placed_while_postgresql_restarts_are_all_paid_and_emailed_once(stack):
    shoppers = _orders_during(restart_postgresql, stack)
    statuses = _assert_recovered(shoppers)
    print(
        f"FIGURES PostgreSQL down 3 s: answers {dict(statuses)}, all {ORDERS * SHOPPERS} accepted orders paid"
    )


@needs_services_sh
def test_orders_placed_while_redis_restarts_are_all_paid_and_emailed_once(stack):
    shoppers = _orders_during(restart_redis, stack)
    statuses = _assert_recovered(shoppers)
    print(f"FIGURES Redis down 3 s: answers {dict(statuses)}, all {ORDERS * SHOPPERS} accepted orders paid")
