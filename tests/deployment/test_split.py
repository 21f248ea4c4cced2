"""Notifications as its own deployment (issue 14 §4), end to end on real services.

Two sets of processes and two PostgreSQL databases:
- the monolith: this process serves the API over HTTP (live_server; its in-memory catalog is
  here), and a worker on the shop settings (no notifications) relays its outbox to the exchange;
- notifications: its worker (with beat) and its admin, on config/deployments.py's
  `notifications_alone`, with a database of its own that this test creates and migrates.

An order placed in the monolith is delivered once by notifications (an email to a real SMTP
server, a webhook to a real receiver), each database holds only its own rows, and the contracts
between the two hold: what crossed the broker matches the published event schemas and the fields
notifications' consumer contract relies on; the API notifications calls is the committed one.
"""

import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import psycopg
import pytest
import requests
import yaml
from django.conf import settings
from django.db import connections
from psycopg import sql

from apps.events.models import InboxEntry
from apps.notifications.models import Delivery
from config.celery import app as celery_app
from config.env import BASE_DIR
from tests.checkout.conftest import product_extras, shop  # noqa: F401 (fixtures)
from tests.checkout.helpers import complete, guest_checkout, ready_checkout
from tests.contracts.test_event_contracts import (
    test_producers_provide_every_field_each_consumer_relies_on as producers_provide_what_consumer_relies_on,
)
from tests.events.conftest import Worker, real_worker, wait_for
from tests.factories.orders import order_request
from tests.notifications.receiver import Receiver
from tests.smtp import free_port, smtp_server

pytestmark = [
    real_worker,
    # live_server needs committed rows; serialized_rollback restores the role groups.
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
]
TOKEN = "svc-split-test-token"
CONTRACTS = BASE_DIR / "contracts"
NOTIFICATIONS_QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-notifications"
NOTIFICATIONS_QUEUES = [
    NOTIFICATIONS_QUEUE,
    *(f"{NOTIFICATIONS_QUEUE}.{q}" for q in ("relay", "messages", "webhooks")),
]
ORDER_EVENTS = {"orders.OrderCreated.v1", "payments.PaymentAuthorized.v1"}
GUEST = "ada@example.com"


def notifications_database_url() -> str:
    """Beside this suite's test database, named after it (test_commerce_N_notifications), so
    suites sharing a server do not collide; created empty here, as pytest-django does the others."""
    name = f"{connections['default'].settings_dict['NAME']}_notifications"
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def purge(queues: list[str]) -> None:
    with celery_app.connection_for_write() as connection:
        for queue in queues:
            with connection.channel() as channel, contextlib.suppress(*connection.channel_errors):
                channel.queue_purge(queue)  # suppressed: not declared yet


@pytest.fixture
def smtp():
    with smtp_server() as running:
        yield running


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


class Admin:
    """The notifications deployment's admin: gunicorn on its settings, one worker."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "admin.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "docker/gunicorn.conf.py",
        ]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**env, "PORT": str(self.port), "WEB_CONCURRENCY": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=5)

    def wait(self) -> None:
        def answers() -> bool:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                return self.get("/healthz").status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answers, timeout=60, what=f"the notifications admin (log: {self.log})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def split(live_server, settings, tmp_path, smtp):
    """Both deployments running; yields what the test reads them through."""
    inbox, smtp_port = smtp
    settings.INTERNAL_API_TOKENS = {"notifications": TOKEN}
    database_url = notifications_database_url()
    notifications_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.deployment.notifications_settings",
        "NOTIFICATIONS_DATABASE_URL": database_url,
        "NOTIFICATIONS_ACCOUNTS_URL": f"{live_server.url}/api/v1",
        "NOTIFICATIONS_ORDERS_URL": f"{live_server.url}/api/v1",
        "NOTIFICATIONS_API_TOKEN": TOKEN,
        "TEST_SMTP_PORT": str(smtp_port),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=notifications_env,
        check=True,
    )
    celery_app.control.purge()
    purge(NOTIFICATIONS_QUEUES)
    admin = Admin(tmp_path, notifications_env)
    notifications = Worker(tmp_path / "notifications")
    shop_worker = Worker(tmp_path / "shop")
    for directory in (notifications.directory, shop_worker.directory):
        directory.mkdir()
    try:
        # Notifications first: its queue must be bound before the monolith relays the events.
        notifications.start(
            env=notifications_env,
            settings_module="tests.deployment.notifications_settings",
            queues=NOTIFICATIONS_QUEUES,
        )
        shop_worker.start(
            settings_module="tests.deployment.shop_settings",
            queues=[f"{settings.CELERY_TASK_DEFAULT_QUEUE}.relay"],
        )
        admin.wait()
        with psycopg.connect(database_url, autocommit=True) as database:
            yield {
                "inbox": inbox,
                "admin": admin,
                "database": database,
                "env": notifications_env,
                "web": live_server,
            }
    finally:
        for process in (shop_worker, notifications):
            process.stop()
        admin.stop()
        purge(NOTIFICATIONS_QUEUES)
        celery_app.control.purge()


def make_endpoint_in(env: dict[str, str], url: str, *event_types: str) -> None:
    """A webhook endpoint in the notifications deployment's database, made by its own code."""
    code = (
        "from apps.notifications.models import WebhookEndpoint; "
        "from apps.notifications.services import endpoint_secret_initial; "
        f"WebhookEndpoint.objects.create(url={url!r}, event_types={list(event_types)!r}, "
        "secrets=endpoint_secret_initial())"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True)


def notifications_rows(database, query: str) -> list[tuple]:
    return database.execute(query).fetchall()


def test_an_order_placed_in_the_monolith_is_notified_once_by_the_notifications_deployment(
    split,
    receiver,
    customer,
    customer_client,
    shop,  # noqa: F811 (the fixture)
):
    database = split["database"]
    make_endpoint_in(split["env"], receiver.url, "orders.*", "payments.*")

    answer = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 2)), format="json", HTTP_IDEMPOTENCY_KEY="split-1"
    )
    assert answer.status_code == 201, answer.content
    order = answer.json()
    # And a guest's checkout: its email's address is asked of orders' internal API at the send.
    guest_client, created = guest_checkout(GUEST)
    ready_checkout(guest_client, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    completed = complete(guest_client, created["id"], key="split-guest")
    assert completed.status_code == 201, completed.content
    guest_order = completed.json()["order"]
    orders = {order["id"], guest_order["id"]}

    wait_for(
        lambda: (
            {(json.loads(r.body)["type"], json.loads(r.body)["data"]["order_id"]) for r in receiver.requests}
            >= {(event_type, order_id) for event_type in ORDER_EVENTS for order_id in orders}
        ),
        what="the webhooks",
    )
    wait_for(lambda: len(split["inbox"].messages) >= 2, what="the confirmation emails")
    time.sleep(2.5)  # two sweeps of each deployment (every 1 s): nothing is sent again

    # Delivered once: one webhook per event, one email each to the customer and the guest.
    webhooks = [json.loads(r.body) for r in receiver.requests]
    assert Counter(w["type"] for w in webhooks) == Counter(list(ORDER_EVENTS) * 2)
    assert {w["data"]["order_id"] for w in webhooks} == orders
    messages = {message["To"]: message for message in split["inbox"].messages}
    assert len(split["inbox"].messages) == 2 and set(messages) == {customer.email, GUEST}
    assert order["number"] in messages[customer.email].get_body(("plain",)).get_content()
    assert messages[GUEST]["Subject"] == f"Order {guest_order['number']} received"
    deliveries = notifications_rows(
        database, "SELECT channel, event_type, status FROM notifications_delivery"
    )
    assert sorted(deliveries) == sorted(
        [("email", "orders.OrderCreated.v1", "succeeded")] * 2
        + [("webhook", event_type, "succeeded") for event_type in ORDER_EVENTS] * 2
        + [("sms", "orders.OrderCreated.v1", "succeeded")] * sum(d[0] == "sms" for d in deliveries)
    )
    # The guest's address crossed neither the broker nor into notifications' database.
    assert all(GUEST not in r.body.decode() for r in receiver.requests)
    stored = "SELECT count(*) FROM notifications_delivery WHERE envelope::text || recipient ILIKE %s"
    assert database.execute(stored, [f"%{GUEST}%"]).fetchall() == [(0,)]

    # Each database holds its own: notifications' rows (and its handlers' inbox) only in its
    # database, which has no orders, payments or catalog tables at all.
    handlers = {
        handler for (handler,) in notifications_rows(database, "SELECT handler FROM events_inboxentry")
    }
    assert handlers and all(h.startswith("apps.notifications.") for h in handlers)
    assert notifications_rows(
        database, "SELECT to_regclass('orders_order'), to_regclass('payments_payment')"
    ) == [(None, None)]
    assert Delivery.objects.count() == 0
    assert not InboxEntry.objects.filter(handler__startswith="apps.notifications.").exists()

    # What crossed the broker is what the published schemas and notifications' contract say.
    contract = json.loads((CONTRACTS / "consumers" / "notifications.json").read_text())
    for envelope in webhooks:
        schema = json.loads((CONTRACTS / "events" / f"{envelope['type']}.json").read_text())
        jsonschema.validate(envelope["data"], schema)
        for field in contract["events"][envelope["type"]]:
            assert _has(envelope["data"], field), f"{envelope['type']} lacks {field}"

    # Its admin runs on its own database.
    assert split["admin"].get("/admin/login/").status_code == 200
    assert split["admin"].get("/readyz").status_code == 200


def _has(data, field: str) -> bool:
    head, _, rest = field.partition("/")
    if head == "*":
        return all(_has(item, rest) for item in data)
    if head not in data:
        return field.endswith("?")
    return _has(data[head], rest) if rest else True


def test_the_contracts_between_the_two_deployments_hold(live_server, settings, customer):
    """Producer side of notifications' consumer contract against the published event schemas,
    and the API notifications calls: what the monolith serves is the committed OpenAPI."""
    producers_provide_what_consumer_relies_on(CONTRACTS / "consumers" / "notifications.json")

    settings.INTERNAL_API_TOKENS = {"notifications": TOKEN}
    committed = yaml.safe_load((CONTRACTS / "openapi.yaml").read_text())
    served = yaml.safe_load(requests.get(f"{live_server.url}/api/schema/", timeout=30).text)
    internal = [path for path in committed["paths"] if path.startswith("/api/v1/internal/")]
    assert internal
    for path in internal:
        assert served["paths"][path] == committed["paths"][path], path
    answer = requests.get(
        f"{live_server.url}/api/v1/internal/accounts/{customer.pk}",
        headers={"Authorization": f"Service {TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    response = committed["paths"]["/api/v1/internal/accounts/{account_id}"]["get"]["responses"]["200"]
    schema = _resolved(response["content"]["application/json"]["schema"], committed)
    assert set(schema["required"]) <= set(answer.json()) <= set(schema["properties"])


def _resolved(schema: dict, document: dict) -> dict:
    if "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        return document["components"]["schemas"][name]
    return schema
