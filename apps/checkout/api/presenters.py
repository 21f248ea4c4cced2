"""A Quote as the API shows it (documented by serializers.CheckoutSerializer)."""

from apps.checkout.selectors import MethodOption, Quote
from apps.common.serializers import money


def checkout_body(current: Quote) -> dict:
    checkout, t = current.checkout, current.totals
    currency = checkout.currency
    priced = {line.sku: line for line in t.lines}
    return {
        "id": str(checkout.pk),
        "status": checkout.status,
        "guest": checkout.is_guest,
        "email": checkout.email,
        "currency": currency,
        "lines": [
            _line(line.sku, line.quantity, priced.get(line.sku), current, currency) for line in current.lines
        ],
        "shipping_address": checkout.shipping_address,
        "billing_address": checkout.billing_address,
        "shipping_method": option_body(current.shipping, currency) if current.shipping else None,
        "voucher_code": checkout.voucher_code or None,
        "weight_grams": current.weight_grams,
        "totals": {
            "subtotal": money(t.subtotal, currency),
            "discount": money(t.discount, currency),
            "shipping": money(t.shipping, currency),
            "tax": money(t.tax, currency),
            "total": money(t.total, currency),
            "prices_include_tax": t.prices_include_tax,
        },
        "problems": [
            {"code": p.code, "detail": p.detail, "pointer": p.pointer, **p.extra} for p in current.problems
        ],
        "ready": not [p for p in current.problems if p.code != "price_changed"],
        "order": {"id": str(checkout.order_id), "number": checkout.order_number}
        if checkout.order_id
        else None,
        "expires_at": checkout.expires_at,
    }


def option_body(option: MethodOption, currency: str) -> dict:
    method = option.method
    return {
        "id": method.pk,
        "name": method.name,
        "delivery_time": method.delivery_time,
        "price": money(option.price, currency),
    }


def _line(sku: str, quantity: int, priced, current: Quote, currency: str) -> dict:
    if priced is None:
        price = current.prices.get(sku)
        return {
            "sku": sku,
            "name": price.name if price else None,
            "quantity": quantity,
            "unit_price": None,
            "line_total": None,
            "discount": None,
            "tax": None,
            "tax_rate": None,
        }
    return {
        "sku": sku,
        "name": priced.name,
        "quantity": quantity,
        "unit_price": money(priced.unit_price, currency),
        "line_total": money(priced.line_total, currency),
        "discount": money(priced.discount, currency),
        "tax": money(priced.tax, currency),
        "tax_rate": f"{priced.tax_rate:.2f}",
    }
