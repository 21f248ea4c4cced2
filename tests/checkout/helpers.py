"""Driving a checkout through the API, as a storefront does."""

from rest_framework.test import APIClient

from tests.checkout.conftest import ADDRESS

BASE = "/api/v1/checkouts"


def eur(amount: int) -> dict:
    return {"amount": amount, "currency": "EUR"}


def guest_checkout(email: str = "guest@example.com") -> tuple[APIClient, dict]:
    """A guest's checkout and a client holding its token."""
    response = APIClient().post(BASE, {"email": email}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Checkout {body['guest_token']}")
    return client, body


def customer_checkout(client: APIClient) -> dict:
    response = client.post(BASE, {}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def ready_checkout(
    client: APIClient, checkout_id: str, *lines: tuple[str, int], method_id: int, voucher: str = ""
) -> dict:
    """Lines, the German address, a shipping method and maybe a voucher; the last read."""
    for sku, quantity in lines:
        assert (
            client.post(
                f"{BASE}/{checkout_id}/lines", {"sku": sku, "quantity": quantity}, format="json"
            ).status_code
            == 200
        )
    assert (
        client.patch(f"{BASE}/{checkout_id}", {"shipping_address": ADDRESS}, format="json").status_code == 200
    )
    response = client.put(f"{BASE}/{checkout_id}/shipping-method", {"id": method_id}, format="json")
    assert response.status_code == 200, response.json()
    if voucher:
        response = client.put(f"{BASE}/{checkout_id}/voucher", {"code": voucher}, format="json")
        assert response.status_code == 200, response.json()
    return response.json()


def complete(client: APIClient, checkout_id: str, *, key: str = "complete-1", method: str = "pm_sandbox_ok"):
    return client.post(
        f"{BASE}/{checkout_id}/complete",
        {"payment": {"provider": "sandbox", "method": method}},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
