"""Orders' internal API: an order's number, customer, shipping phone and a guest's email, for a
service token only."""

import uuid

import pytest
from rest_framework.test import APIClient

from apps.common.problems import PROBLEM_CONTENT_TYPE
from apps.orders.models import Order
from tests.checkout.conftest import product_extras, shop  # noqa: F401 (fixtures)
from tests.checkout.helpers import complete, guest_checkout, ready_checkout
from tests.factories.catalog import ProductFactory
from tests.factories.orders import order_request

pytestmark = pytest.mark.django_db(databases="__all__")
TOKEN = "svc-test-token"


@pytest.fixture
def service(settings) -> APIClient:
    settings.INTERNAL_API_TOKENS = {"notifications": TOKEN}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Service {TOKEN}")
    return client


def test_a_service_reads_an_orders_number_customer_and_shipping_phone(service, customer_client, customer):
    ProductFactory(sku="MUG", on_hand=10)
    body = order_request(("MUG", 1))
    body["shipping_address"]["phone"] = "+447700900123"
    order = customer_client.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="i-1").json()

    response = service.get(f"/api/v1/internal/orders/{order['id']}/contact")

    assert response.status_code == 200
    assert response.json() == {
        "number": order["number"],
        "phone": "+447700900123",
        "customer_id": customer.pk,
        "email": "",  # a customer's current address is their account's
    }


def test_a_guest_orders_contact_has_the_checkout_address_until_it_is_erased(service, shop):  # noqa: F811
    checkout, created = guest_checkout("ada@example.com")
    ready_checkout(checkout, created["id"], ("MUG", 1), method_id=shop["dhl"].pk)
    order = complete(checkout, created["id"]).json()["order"]

    contact = service.get(f"/api/v1/internal/orders/{order['id']}/contact").json()
    Order.objects.filter(pk=order["id"]).update(customer_email="")  # as orders erases contact details
    erased = service.get(f"/api/v1/internal/orders/{order['id']}/contact").json()

    assert contact == {
        "number": order["number"],
        "phone": "",
        "customer_id": None,
        "email": "ada@example.com",
    }
    assert erased["email"] == ""


def test_an_unknown_order_is_a_404_problem(service):
    order_id = uuid.uuid4()

    response = service.get(f"/api/v1/internal/orders/{order_id}/contact")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["detail"] == f"No order {order_id}."


def test_a_customers_token_is_not_a_service_token(service, customer_client):
    ProductFactory(sku="MUG", on_hand=10)
    order = customer_client.post(
        "/api/v1/orders", order_request(("MUG", 1)), format="json", HTTP_IDEMPOTENCY_KEY="i-2"
    ).json()

    response = customer_client.get(f"/api/v1/internal/orders/{order['id']}/contact")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
