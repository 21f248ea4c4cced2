"""Reporting tests run on both databases: orders and the outbox on `default`, projections on `reporting`."""

from datetime import datetime

import pytest

from apps.events.models import OutboxEvent
from tests.factories.catalog import ProductFactory
from tests.helpers import place


def row(instance) -> dict:
    """Every column of a projection row, for exact comparisons."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def event_time(event_type: str, subject: str) -> datetime:
    """When the event said its change happened (the envelope's `time`)."""
    envelope = OutboxEvent.objects.get(type=event_type, subject=subject, handler="").envelope
    return datetime.fromisoformat(envelope["time"])


def event_times(event_type: str, subject: str) -> list[datetime]:
    """The `time` of every event of that type about that subject, in commit order."""
    events = OutboxEvent.objects.filter(type=event_type, subject=subject, handler="").order_by("id")
    return [datetime.fromisoformat(e.envelope["time"]) for e in events]


def envelopes() -> list[dict]:
    """Every event committed so far, in commit order (first deliveries only, not retries)."""
    return [e.envelope for e in OutboxEvent.objects.filter(handler="").order_by("id")]


@pytest.fixture
def mug():
    return ProductFactory(sku="MUG", price_amount=1250, currency="EUR", on_hand=1000)


@pytest.fixture
def place_mugs(customer_client, mug):
    """place_mugs(quantity, key=...) -> the order's JSON, placed through the API."""
    return lambda quantity, key="order-1", **options: place(
        customer_client, ("MUG", quantity), key=key, **options
    ).json()
