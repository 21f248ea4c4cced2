"""What other modules may know about the catalog. Stdlib only."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProductInput:
    sku: str
    name: str
    category: str
    price_amount: int  # minor units
    currency: str  # ISO 4217
    stock_on_hand: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProductSummary:
    sku: str
    name: str
    price_amount: int
    currency: str
    available: int  # on hand minus reserved
