"""Orders are placed through the API or order_create in tests; these are the request pieces."""

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def order_request(*lines: tuple[str, int], method: str = "pm_sandbox_ok", provider: str = "sandbox") -> dict:
    """The body of POST /api/v1/orders for (sku, quantity) lines."""
    return {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shipping_address": dict(ADDRESS),
        "payment": {"provider": provider, "method": method},
    }
