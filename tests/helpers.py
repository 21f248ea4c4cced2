"""Helpers shared by the orders and payments tests."""

from rest_framework.test import APIClient

from apps.events.delivery import deliver
from apps.events.models import OutboxEvent
from apps.events.registry import subscribers
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
