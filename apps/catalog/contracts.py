"""What other modules may know about the catalog. Stdlib only."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProductInput:
    sku: str
    name: str
    category: str
    price_amount: int  # minor units
    currency: str  # ISO 4217
    on_hand: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProductPrice:
    sku: str
    name: str
    price_amount: int
    currency: str
    active: bool
    available: int
    weight_grams: int = 0
    tax_class: str = "standard"


@dataclass(frozen=True, slots=True)
class StockLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LineFailure:
    sku: str
    requested: int
    available: int
    reason: str  # "unknown_sku", "inactive", "insufficient_stock"


@dataclass(frozen=True, slots=True)
class ReservationState:
    order_ref: str
    status: str  # "pending" (being made by a concurrent call), "held", "committed", "released", "returned"
    lines: tuple[StockLine, ...]


class ReservationFailed(Exception):
    """No stock was reserved; `failures` says which lines could not be and why."""

    def __init__(self, failures: list[LineFailure]):
        self.failures = failures
        super().__init__(", ".join(f"{f.sku}: {f.reason}" for f in failures))


class ReservationMismatch(Exception):
    """The order_ref already holds a reservation for different lines."""
