"""The pricing engine: pure functions over integers (minor units) and Decimal rates. No I/O.

Order of operations, the same for every checkout:
1. line total = unit price x quantity (as entered: gross or net, by CHECKOUT_PRICES_INCLUDE_TAX);
2. the voucher's discount is taken from the subtotal and spread over the lines in proportion to
   their totals (largest remainder, so the parts add up to the discount exactly);
3. tax per line on the discounted line total, and on shipping at the country's standard rate,
   each rounded to a whole minor unit half-up (ROUND_HALF_UP: 218.5 cents -> 219) on its own:
   the tax total is the sum of the rounded parts, not the rounded tax of the sum;
4. total = subtotal - discount + shipping (+ tax when prices are net).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class LineInput:
    sku: str
    name: str
    unit_price: int
    quantity: int
    tax_rate: Decimal  # percent, e.g. Decimal("19.00")


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    name: str
    unit_price: int
    quantity: int
    line_total: int  # before the discount, as entered (gross or net)
    discount: int
    tax: int
    tax_rate: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[PricedLine, ...]
    subtotal: int
    discount: int
    shipping: int
    shipping_tax: int
    tax: int  # lines' tax + shipping tax
    total: int
    prices_include_tax: bool


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tax_of(amount: int, rate: Decimal, *, included: bool) -> int:
    """Tax on `amount` minor units at `rate` percent: the share inside a gross amount, or the
    tax on top of a net one, rounded half-up to a whole minor unit."""
    if included:
        return round_half_up(Decimal(amount) * rate / (HUNDRED + rate))
    return round_half_up(Decimal(amount) * rate / HUNDRED)


def spread(amount: int, weights: list[int]) -> list[int]:
    """`amount` split in proportion to `weights`, in whole units adding up to `amount` exactly
    (largest remainder; ties go to the earlier line)."""
    total = sum(weights)
    if amount == 0 or total == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def price(
    lines: list[LineInput],
    *,
    discount: int,
    shipping: int,
    shipping_tax_rate: Decimal,
    prices_include_tax: bool,
) -> Totals:
    """Totals of a checkout; `discount` is capped at the subtotal."""
    totals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(totals)
    discount = min(discount, subtotal)
    parts = spread(discount, totals)
    priced = tuple(
        PricedLine(
            sku=line.sku,
            name=line.name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=total,
            discount=part,
            tax=tax_of(total - part, line.tax_rate, included=prices_include_tax),
            tax_rate=line.tax_rate,
        )
        for line, total, part in zip(lines, totals, parts, strict=True)
    )
    shipping_tax = tax_of(shipping, shipping_tax_rate, included=prices_include_tax)
    tax = sum(line.tax for line in priced) + shipping_tax
    total = subtotal - discount + shipping + (0 if prices_include_tax else tax)
    return Totals(priced, subtotal, discount, shipping, shipping_tax, tax, total, prices_include_tax)


def percentage_discount(subtotal: int, percent: Decimal) -> int:
    return min(subtotal, round_half_up(Decimal(subtotal) * percent / HUNDRED))


def weight_band_price(bands: list[tuple[int, int]], weight_grams: int) -> int | None:
    """The price of the lightest band (max_weight_grams, price) that holds `weight_grams`; None
    when the parcel is heavier than every band."""
    for max_weight, band_price in sorted(bands):
        if weight_grams <= max_weight:
            return band_price
    return None
