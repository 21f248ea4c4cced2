"""A Quote as the API shows it (documented by serializers.CheckoutSerializer)."""

from apps.checkout.models import Checkout
from apps.checkout.selectors import MethodOption, Quote
from apps.common.serializers import money


def checkout_body(current: Quote) -> dict:
    """An open checkout, priced now, with what blocks it."""
    checkout, t = current.checkout, current.totals
    currency = checkout.currency
    priced = {line.sku: line for line in t.lines}
    return _body(
        checkout,
        lines=[
            _line(line.sku, line.quantity, priced.get(line.sku), current, currency) for line in current.lines
        ],
        shipping_method=option_body(current.shipping, currency) if current.shipping else None,
        weight_grams=current.weight_grams,
        totals=_totals(t.subtotal, t.discount, t.shipping, t.tax, t.total, t.prices_include_tax, currency),
        problems=[
            {"code": p.code, "detail": p.detail, "pointer": p.pointer, **p.extra} for p in current.problems
        ],
        ready=not [p for p in current.problems if p.code != "price_changed"],
        order=None,
        expires_at=checkout.expires_at,
    )


def completed_body(checkout: Checkout, *, order_status: str | None) -> dict:
    """A completed checkout: what was charged, as stored with the order (`charged`), and the
    order it became. Nothing in it is priced again."""
    charged, currency = checkout.charged, checkout.currency
    shipping, t = charged["shipping_method"], charged["totals"]
    money_fields = ("unit_price", "line_total", "discount", "tax")
    return _body(
        checkout,
        lines=[line | {f: money(line[f], currency) for f in money_fields} for line in charged["lines"]],
        shipping_method=shipping | {"price": money(shipping["price"], currency)} if shipping else None,
        weight_grams=charged["weight_grams"],
        totals=_totals(
            t["subtotal"],
            t["discount"],
            t["shipping"],
            t["tax"],
            t["total"],
            t["prices_include_tax"],
            currency,
        ),
        problems=[],
        ready=False,  # nothing left to complete
        order={"id": str(checkout.order_id), "number": checkout.order_number, "status": order_status},
        expires_at=None,  # kept with its order
    )


def _body(checkout: Checkout, **parts) -> dict:
    return {
        "id": str(checkout.pk),
        "status": checkout.status,
        "guest": checkout.is_guest,
        "email": checkout.email,
        "currency": checkout.currency,
        "lines": parts["lines"],
        "shipping_address": checkout.shipping_address,
        "billing_address": checkout.billing_address,
        "shipping_method": parts["shipping_method"],
        "voucher_code": checkout.voucher_code or None,
        "weight_grams": parts["weight_grams"],
        "totals": parts["totals"],
        "problems": parts["problems"],
        "ready": parts["ready"],
        "order": parts["order"],
        "expires_at": parts["expires_at"],
    }


def _totals(subtotal, discount, shipping, tax, total, prices_include_tax, currency) -> dict:
    return {
        "subtotal": money(subtotal, currency),
        "discount": money(discount, currency),
        "shipping": money(shipping, currency),
        "tax": money(tax, currency),
        "total": money(total, currency),
        "prices_include_tax": prices_include_tax,
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
