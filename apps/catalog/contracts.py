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


@dataclass(frozen=True, slots=True)
class VariantInput:
    sku: str
    price_amount: int  # minor units
    currency: str  # ISO 4217
    options: dict  # {"size": "L"}: required when the product has more than one variant
    compare_at_amount: int | None = None
    weight_grams: int = 0
    tax_class: str = "standard"
    on_hand: int = 0


@dataclass(frozen=True, slots=True)
class ProductDraft:
    slug: str
    name: str
    category: str
    variants: tuple[VariantInput, ...]
    description: str = ""
    brand: str = ""
    attributes: dict | None = None
    seo_title: str = ""
    seo_description: str = ""
    published: bool = True


class CatalogInvalid(ValueError):
    """Nothing was written; `errors` maps each bad field (e.g. "variants.1.sku") to why."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {why}" for field, why in errors.items()))
