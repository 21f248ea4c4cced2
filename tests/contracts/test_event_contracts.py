"""Consumer-driven event contracts (contracts/consumers/*.json), verified from both sides."""

import json
from collections.abc import Iterator
from importlib import import_module

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.services import email_verification_token
from apps.accounts.tokens import token_issue
from apps.events.models import OutboxEvent
from apps.events.registry import subscribers
from apps.orders.models import Order
from config.env import BASE_DIR
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import ProductFactory
from tests.helpers import drain_outbox, place

CONSUMERS = sorted((BASE_DIR / "contracts" / "consumers").glob("*.json"))
SCHEMAS = BASE_DIR / "contracts" / "events"


def _contract(path) -> dict:
    return json.loads(path.read_text())


def _resolve(schema: dict, field: str, *, optional: bool = False) -> Iterator[dict]:
    """The schemas along `lines/*/sku`, checking each step is a required property (but the last,
    for a field the consumer declared optional)."""
    node = schema
    parts = field.split("/")
    for i, part in enumerate(parts):
        if part == "*":
            assert node.get("type") == "array", f"{field}: not an array"
            node = node["items"]
        else:
            assert part in node.get("properties", {}), f"{field}: no property {part!r}"
            if not (optional and i == len(parts) - 1):
                assert part in node.get("required", []), f"{field}: {part!r} is optional in the schema"
            node = node["properties"][part]
        yield node


@pytest.mark.parametrize("path", CONSUMERS, ids=[p.stem for p in CONSUMERS])
def test_producers_provide_every_field_each_consumer_relies_on(path):
    for event_type, fields in _contract(path)["events"].items():
        schema_file = SCHEMAS / f"{event_type}.json"
        assert schema_file.exists(), f"{path.stem} consumes {event_type}, which has no schema"
        schema = json.loads(schema_file.read_text())
        for field, expected in fields.items():
            optional = expected.endswith("?")  # read when present; older events lack it
            expected = expected.removesuffix("?")
            *_, leaf = _resolve(schema, field, optional=optional)
            actual = leaf["type"] if isinstance(leaf["type"], list) else [leaf["type"]]
            assert sorted(actual) == sorted(expected.split("|")), (
                f"{event_type} {field}: {actual} ≠ {expected}"
            )


class _Reads(dict):
    """Event data that remembers which fields a handler read (nested as `lines/*/sku`)."""

    def __init__(self, data: dict, seen: set, prefix: str = ""):
        super().__init__({k: _wrap(v, seen, f"{prefix}{k}/") for k, v in data.items()})
        self._seen, self._prefix = seen, prefix

    def __getitem__(self, key):
        self._seen.add(self._prefix + key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key in self:  # .get of an absent field is a consumer tolerating its absence: no reliance
            self._seen.add(self._prefix + key)
        return super().get(key, default)


def _wrap(value, seen: set, prefix: str):
    if isinstance(value, dict):
        return _Reads(value, seen, prefix)
    if isinstance(value, list):
        return [_wrap(item, seen, prefix + "*/") for item in value]
    return value


def _events_of_a_full_order_life(customer_client, staff_client) -> list[dict]:
    """Every order and payment event type, from real requests: placed, paid, shipped, delivered,
    refunded (one order); placed and cancelled (another); declined (a third); capture refused (a fourth)."""
    from apps.orders.contracts import SYSTEM
    from apps.orders.services import order_deliver

    ProductFactory(sku="MUG", on_hand=50)
    first = place(customer_client, ("MUG", 1), key="a").json()
    drain_outbox()
    staff_client("fulfilment").post(
        f"/api/v1/orders/{first['id']}/ship",
        {"carrier": "DHL", "tracking_number": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    order_deliver(order=Order.objects.get(pk=first["id"]), actor=SYSTEM)
    staff_client("finance").post(
        f"/api/v1/payments/{first['payment_id']}/refunds",
        {"amount": 1999},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    second = place(customer_client, ("MUG", 1), key="b").json()
    customer_client.post(f"/api/v1/orders/{second['id']}/cancel", {}, format="json", HTTP_IDEMPOTENCY_KEY="c")
    place(customer_client, ("MUG", 1), key="c", method="pm_sandbox_declined")
    place(customer_client, ("MUG", 1), key="d", method="pm_sandbox_capture_fails")
    drain_outbox()
    _an_account_life()
    return [e.envelope for e in OutboxEvent.objects.filter(handler="").order_by("id")]


def _an_account_life() -> None:
    """Every accounts event type: sign up, verify, ask for a reset and an email change, delete."""
    client = APIClient()
    client.post("/api/v1/accounts", {"email": "life@example.com", "password": PASSWORD}, format="json")
    user = User.objects.get(email="life@example.com")
    client.post(
        "/api/v1/accounts/verify-email", {"token": email_verification_token(user=user)}, format="json"
    )
    client.post("/api/v1/auth/password-reset", {"email": "life@example.com"}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")
    change = {"new_email": "life2@example.com", "current_password": PASSWORD}
    client.post("/api/v1/accounts/me/email", change, format="json")
    client.delete("/api/v1/accounts/me", {"current_password": PASSWORD}, format="json")
    drain_outbox()


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("path", [p for p in CONSUMERS if _contract(p)["handlers"]], ids=lambda p: p.stem)
def test_each_consumer_reads_only_the_fields_it_declared(path, customer_client, staff_client):
    contract = _contract(path)
    envelopes = _events_of_a_full_order_life(customer_client, staff_client)
    module = import_module(contract["handlers"]).__name__
    handled = set()

    for envelope in envelopes:
        for subscription in subscribers(envelope["type"]):
            if not subscription.name.startswith(module + "."):
                continue
            assert envelope["type"] in contract["events"], (
                f"{subscription.name} handles undeclared {envelope['type']}"
            )
            seen: set = set()
            with transaction.atomic():  # a savepoint: the handler's effects are already applied once
                subscription.func({**envelope, "data": _Reads(envelope["data"], seen)})
                transaction.set_rollback(True)
            undeclared = seen - set(contract["events"][envelope["type"]])
            assert not undeclared, (
                f"{subscription.name} reads undeclared {sorted(undeclared)} of {envelope['type']}"
            )
            handled.add(envelope["type"])

    assert handled == set(contract["events"]), (
        "the scenario must exercise every event type the contract names"
    )
