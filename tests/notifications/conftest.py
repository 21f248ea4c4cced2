from collections.abc import Iterator

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications.models import Delivery, DeliveryStatus, OrderFacts, WebhookEndpoint
from apps.notifications.services import delivery_attempt, endpoint_secret_initial
from apps.notifications.sms import LocmemSmsProvider
from tests.events.conftest import worker_process  # noqa: F401 (the real worker fixture, for test_worker.py)
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import drain_outbox
from tests.notifications.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    LocmemSmsProvider.outbox.clear()
    yield
    LocmemSmsProvider.outbox.clear()


def make_endpoint(url: str, *types: str, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=url, event_types=list(types), secrets=endpoint_secret_initial(), **fields
    )


def attempt_due() -> list[tuple[str, str, str]]:
    """Attempt every delivery that still has work to do, in this process, as a worker would, and
    as if its retry were due now. Returns (channel, recipient, outcome) in id order."""
    outcomes = []
    waiting = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).order_by(
        "pk"
    )
    for delivery in waiting:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        outcomes.append((delivery.channel, delivery.recipient, delivery_attempt(delivery_id=delivery.pk)))
    return outcomes


def placed_then_forgotten(customer_client, staff_client, key: str) -> dict:
    """An order from before the projection existed: placed, its events handled, no OrderFacts."""
    ProductFactory(sku="MUG", name="Blue mug", price_amount=1250, currency="EUR", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 2)), format="json", HTTP_IDEMPOTENCY_KEY=key
    ).json()
    drain_outbox()
    attempt_due()
    mail.outbox.clear()
    OrderFacts.objects.all().delete()
    response = staff_client("finance").post(
        f"/api/v1/payments/{order['payment_id']}/refunds",
        {"amount": 750},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content
    return order
