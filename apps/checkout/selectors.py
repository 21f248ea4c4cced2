"""Checkout reads: a checkout priced from the catalog's current prices, with what blocks it."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from apps.catalog.contracts import ProductPrice
from apps.catalog.public import prices_for
from apps.checkout import pricing
from apps.checkout.contracts import Problem
from apps.checkout.models import (
    Checkout,
    CheckoutLine,
    ShippingMethod,
    ShippingRule,
    ShippingZone,
    TaxRate,
    Voucher,
    VoucherKind,
    VoucherUse,
)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MethodOption:
    """A shipping method that applies to the checkout, with its price for it."""

    method: ShippingMethod
    price: int


@dataclass
class Quote:
    """A checkout as priced now."""

    checkout: Checkout
    lines: list[CheckoutLine]
    prices: dict[str, ProductPrice]
    totals: pricing.Totals
    problems: list[Problem] = field(default_factory=list)
    options: list[MethodOption] = field(default_factory=list)
    shipping: MethodOption | None = None
    voucher: Voucher | None = None  # applied and valid
    weight_grams: int = 0

    @property
    def current_prices(self) -> dict[str, int]:
        return {line.sku: line.unit_price for line in self.totals.lines}


def checkout_for(*, checkout_id, principal) -> Checkout | None:
    """The caller's checkout, not expired; None otherwise (another customer's is None too: 404)."""
    # A completed checkout never expires: it is a guest's only record of the order.
    checkout = (
        Checkout.objects.filter(Q(expires_at__gt=timezone.now()) | Q(status="completed"), pk=checkout_id)
        .select_related("shipping_method")
        .first()
    )
    if checkout is None or not principal_owns(principal, checkout):
        return None
    return checkout


def principal_owns(principal, checkout: Checkout) -> bool:
    guest_of = getattr(principal, "checkout_id", None)
    if guest_of is not None:
        return str(guest_of) == str(checkout.pk)
    return checkout.customer_id is not None and checkout.customer_id == principal.pk


def quote(checkout: Checkout) -> Quote:
    """Price the checkout from the catalog's current prices, its country's tax rates, its voucher
    and its shipping method, and list the problems that block completion."""
    lines = list(checkout.lines.all())
    prices = prices_for(skus=[line.sku for line in lines]) if lines else {}
    problems: list[Problem] = []
    address = checkout.shipping_address or {}
    rates = _tax_rates(address.get("country"))
    inputs, weight = [], 0
    for index, line in enumerate(lines):
        price = prices.get(line.sku)
        if (problem := _line_problem(index, line, price, checkout.currency)) is not None:
            problems.append(problem)
            if problem.code != "out_of_stock":
                continue
        rate = rates.get(price.tax_class, rates.get("", ZERO))
        inputs.append(pricing.LineInput(line.sku, price.name, price.price_amount, line.quantity, rate))
        weight += price.weight_grams * line.quantity
        seen = checkout.quoted_prices.get(line.sku)
        if seen is not None and seen != price.price_amount:
            problems.append(
                Problem(
                    "price_changed",
                    f"The price of {line.sku} changed from {seen} to {price.price_amount}.",
                    f"#/lines/{index}",
                    {"sku": line.sku, "previous": seen, "current": price.price_amount},
                )
            )
    if not lines:
        problems.append(Problem("empty", "The checkout has no lines.", "#/lines"))
    subtotal = sum(i.unit_price * i.quantity for i in inputs)
    voucher, discount = _voucher(checkout, subtotal, problems)
    options = _shipping_options(address.get("country"), subtotal - discount, weight) if address else []
    shipping = _chosen_shipping(checkout, address, options, problems)
    if options and "" not in rates:  # it ships there, but no silent 0 % (an entered 0 % is a rate)
        problems.append(
            Problem(
                "tax_rate_missing",
                f"The shop has no tax rate for {address['country']}, so it cannot sell there yet.",
                "#/shipping_address/country",
                {"country": address["country"]},
            )
        )
    totals = pricing.price(
        inputs,
        discount=discount,
        shipping=shipping.price if shipping else 0,
        shipping_tax_rate=rates.get("", ZERO),
        prices_include_tax=settings.CHECKOUT_PRICES_INCLUDE_TAX,
    )
    return Quote(checkout, lines, prices, totals, problems, options, shipping, voucher, weight)


def charged_record(current: Quote) -> dict:
    """What completing `current` charges, as plain JSON (minor units): stored with the order, it is
    what the completed checkout shows from then on."""
    t, shipping = current.totals, current.shipping
    return {
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
                "discount": line.discount,
                "tax": line.tax,
                "tax_rate": f"{line.tax_rate:.2f}",
            }
            for line in t.lines
        ],
        "shipping_method": {
            "id": shipping.method.pk,
            "name": shipping.method.name,
            "delivery_time": shipping.method.delivery_time,
            "price": shipping.price,
        }
        if shipping
        else None,
        "voucher_code": current.voucher.code if current.voucher else "",
        "weight_grams": current.weight_grams,
        "totals": {
            "subtotal": t.subtotal,
            "discount": t.discount,
            "shipping": t.shipping,
            "shipping_tax": t.shipping_tax,
            "tax": t.tax,
            "total": t.total,
            "prices_include_tax": t.prices_include_tax,
        },
    }


def _line_problem(
    index: int, line: CheckoutLine, price: ProductPrice | None, currency: str
) -> Problem | None:
    pointer, sku = f"#/lines/{index}", {"sku": line.sku}
    if price is None:
        return Problem("unknown_sku", f"SKU {line.sku} is no longer sold.", pointer, sku)
    if not price.active:
        return Problem("not_for_sale", f"SKU {line.sku} is not for sale.", pointer, sku)
    if price.currency != currency:
        return Problem(
            "currency_mismatch",
            f"SKU {line.sku} is priced in {price.currency}, not {currency}.",
            pointer,
            sku,
        )
    if price.available < line.quantity:
        return Problem(
            "out_of_stock",
            f"Only {price.available} of {line.sku} available, {line.quantity} in the checkout.",
            pointer,
            sku | {"available": price.available},
        )
    return None


def _tax_rates(country: str | None) -> dict[str, Decimal]:
    """{tax_class: percent} for the country; "" is its standard rate (a class without its own
    falls back to it; without it the checkout cannot complete: tax_rate_missing)."""
    if not country:
        return {}
    return dict(TaxRate.objects.filter(country=country).values_list("tax_class", "rate"))


def customer_key(checkout: Checkout) -> str:
    """Who a per-customer voucher limit counts: the account, or a guest's email."""
    if checkout.customer_id is not None:
        return f"account:{checkout.customer_id}"
    return f"email:{checkout.email.lower()}"


def voucher_reason(voucher: Voucher | None, checkout: Checkout, subtotal: int) -> str | None:
    """Why the voucher cannot be used on this checkout now, or None when it can."""
    now = timezone.now()
    if voucher is None or not voucher.active:
        return "unknown"
    if voucher.starts_at and now < voucher.starts_at:
        return "not_started"
    if voucher.ends_at and now >= voucher.ends_at:
        return "expired"
    if voucher.kind == VoucherKind.FIXED and checkout.currency != settings.CHECKOUT_CURRENCY:
        return "currency_mismatch"
    if subtotal < voucher.min_subtotal:
        return "below_minimum"
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        return "used_up"
    if voucher.per_customer_limit is not None:
        uses = VoucherUse.objects.filter(voucher=voucher, customer_key=customer_key(checkout))
        if (uses.values_list("uses", flat=True).first() or 0) >= voucher.per_customer_limit:
            return "used_up_by_customer"
    return None


VOUCHER_REASONS = {
    "unknown": "there is no such voucher",
    "not_started": "it is not valid yet",
    "expired": "it has expired",
    "currency_mismatch": "it is in another currency",
    "below_minimum": "the subtotal is below its minimum",
    "used_up": "it has been used as often as it may be",
    "used_up_by_customer": "you have used it as often as you may",
}


def voucher_discount(voucher: Voucher, subtotal: int) -> int:
    if voucher.kind == VoucherKind.PERCENTAGE:
        return pricing.percentage_discount(subtotal, voucher.percentage)
    return min(voucher.amount, subtotal)


def _voucher(checkout: Checkout, subtotal: int, problems: list[Problem]) -> tuple[Voucher | None, int]:
    if not checkout.voucher_code:
        return None, 0
    voucher = Voucher.objects.filter(code=checkout.voucher_code).first()
    reason = voucher_reason(voucher, checkout, subtotal)
    if reason is not None:
        problems.append(
            Problem(
                "voucher_invalid",
                f"Voucher {checkout.voucher_code} cannot be used: {VOUCHER_REASONS[reason]}.",
                "#/voucher_code",
                {"reason": reason},
            )
        )
        return None, 0
    return voucher, voucher_discount(voucher, subtotal)


def _shipping_options(country: str, subtotal: int, weight_grams: int) -> list[MethodOption]:
    """The active methods of the zones holding the country, priced for this subtotal and weight;
    a weight-priced method whose bands all are lighter than the parcel does not apply."""
    zones = ShippingZone.objects.prefetch_related(
        Prefetch(
            "methods",
            queryset=ShippingMethod.objects.filter(active=True).prefetch_related("weight_bands"),
        )
    )
    options = []
    for zone in zones:
        if country not in zone.countries:
            continue
        for method in zone.methods.all():
            price = method_price(method, subtotal, weight_grams)
            if price is not None:
                options.append(MethodOption(method, price))
    return sorted(options, key=lambda o: (o.price, o.method.position, o.method.pk))


def method_price(method: ShippingMethod, subtotal: int, weight_grams: int) -> int | None:
    if method.rule == ShippingRule.FREE_OVER:
        return 0 if subtotal >= method.free_over else method.price
    if method.rule == ShippingRule.WEIGHT:
        bands = [(b.max_weight_grams, b.price) for b in method.weight_bands.all()]
        return pricing.weight_band_price(bands, weight_grams)
    return method.price


def _chosen_shipping(
    checkout: Checkout, address: dict, options: list[MethodOption], problems: list[Problem]
) -> MethodOption | None:
    if not address:
        problems.append(Problem("shipping_address_required", "Set a shipping address.", "#/shipping_address"))
        return None
    if not options:
        problems.append(
            Problem(
                "no_shipping_method",
                f"No shipping method delivers to {address['country']} for this checkout.",
                "#/shipping_address/country",
            )
        )
        return None
    chosen = next((o for o in options if o.method.pk == checkout.shipping_method_id), None)
    if checkout.shipping_method_id is None:
        problems.append(Problem("shipping_method_required", "Pick a shipping method.", "#/shipping_method"))
    elif chosen is None:
        problems.append(
            Problem(
                "shipping_method_unavailable",
                "The chosen shipping method does not apply to this address or parcel any more; pick another.",
                "#/shipping_method",
            )
        )
    return chosen


def expired_checkouts():
    """Abandoned checkouts past their expiry (completed ones stay with their order's reference)."""
    return Checkout.objects.filter(~Q(status="completed"), expires_at__lte=timezone.now())
