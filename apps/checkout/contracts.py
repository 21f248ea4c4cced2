"""What other modules may know about checkout. Stdlib only."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that stops a checkout from completing, as a storefront shows it."""

    code: str  # out_of_stock, price_changed, unknown_sku, not_for_sale, currency_mismatch, empty,
    # shipping_address_required, no_shipping_method, shipping_method_required,
    # shipping_method_unavailable, voucher_invalid, tax_rate_missing
    detail: str
    pointer: str = "#"  # JSON Pointer into the checkout as read: "#/lines/0", "#/voucher_code"
    extra: dict = field(default_factory=dict)  # e.g. {"sku": ..., "available": 3}


class CheckoutError(Exception):
    """Base of the checkout module's expected failures."""


class InvalidInput(CheckoutError):
    """Bad input naming a field (400): `pointer` is a JSON Pointer into the request body."""

    def __init__(self, pointer: str, detail: str, code: str):
        self.pointer, self.detail, self.code = pointer, detail, code
        super().__init__(detail)


class CheckoutNotFound(CheckoutError):
    """No such checkout, or not the caller's, or expired (404)."""


class CheckoutClosed(CheckoutError):
    """The checkout is completed, or being completed by another request (409)."""

    def __init__(self, status: str, order_id: str | None = None):
        self.status, self.order_id = status, order_id
        what = "was completed" if status == "completed" else "is being completed by another request"
        super().__init__(f"This checkout {what}; it can no longer change.")


class NotReady(CheckoutError):
    """Completion refused: problems block it (409); nothing was charged."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.detail for p in problems))


class PriceChanged(CheckoutError):
    """The total differs from the one the customer was last shown (409); nothing was charged.
    The checkout now remembers the new total: completing again accepts it."""

    def __init__(self, quoted: int, total: int):
        self.quoted, self.total = quoted, total
        super().__init__(f"The total changed from {quoted} to {total} since the checkout was last read.")


class VoucherUnavailable(CheckoutError):
    """The voucher ran out (usage limit in total or for this customer) while completing (409)."""

    def __init__(self, code: str, reason: str):
        self.code, self.reason = code, reason
        super().__init__(f"Voucher {code} can no longer be used: {reason}.")


@dataclass(frozen=True, slots=True)
class ShippingMethodSpec:
    """A shipping method to set up (see models.ShippingMethod); money in minor units."""

    name: str
    rule: str  # "flat", "free_over" or "weight"
    price: int = 0  # the flat price, or the price below `free_over`
    free_over: int | None = None
    weight_bands: tuple[tuple[int, int], ...] = ()  # (max grams, price), for rule "weight"
    delivery_time: str = ""
