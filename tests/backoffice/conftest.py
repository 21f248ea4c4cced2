"""Orders in every state the back office must show: placed through the API, events drained."""

import pytest
from django.test import Client

from apps.orders.models import Order
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request
from tests.helpers import drain_outbox

ORDERS = "/admin/orders/order/"


def staff(role: str | None = None, **fields) -> Client:
    client = Client()
    client.force_login(StaffFactory(role=role, **fields))
    return client


def place_with_phone(
    customer_client, sku: str, quantity: int, *, key: str, method: str = "pm_sandbox_ok"
) -> Order:
    body = order_request((sku, quantity), method=method)
    body["shipping_address"]["phone"] = "+44 20 7946 0000"
    response = customer_client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["id"])


@pytest.fixture
def shop(customer_client, staff_client):
    """A paid order partially refunded (5.00 of 25.00 EUR) and an order whose capture was refused."""
    ProductFactory(sku="MUG", price_amount=1250, currency="EUR", on_hand=50)
    refunded = place_with_phone(customer_client, "MUG", 2, key="a")
    failed = place_with_phone(customer_client, "MUG", 1, key="b", method="pm_sandbox_capture_fails")
    drain_outbox()
    response = staff_client("finance").post(
        f"/api/v1/payments/{refunded.payment_id}/refunds",
        {"amount": 500, "reason": "a chipped mug"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )
    assert response.status_code == 201, response.content
    drain_outbox()
    refunded.refresh_from_db()
    failed.refresh_from_db()
    return {"refunded": refunded, "failed": failed}
