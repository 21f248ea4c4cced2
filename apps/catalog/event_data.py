"""The `data` of every catalog event, as services send it. Stdlib only.

Source of contracts/events/catalog.*.json (`make schema` regenerates them; a test fails when
the committed files drift).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PriceData:
    amount: int = field(metadata={"description": "Minor units."})
    currency: str = field(metadata={"description": "ISO 4217."})


@dataclass(frozen=True)
class ProductPriceChangedData:
    sku: str
    old_price: PriceData
    new_price: PriceData


@dataclass(frozen=True)
class StockLowData:
    """Availability fell to the threshold or below."""

    sku: str
    available: int
    threshold: int


EVENT_DATA = {
    "catalog.ProductPriceChanged.v1": ProductPriceChangedData,
    "catalog.StockLow.v1": StockLowData,
}
