"""What other modules may know about reporting: frozen, stdlib-only dataclasses."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SalesTotal:
    """Orders placed from `since` to `until` (UTC days, inclusive) in one currency. Minor units;
    net = captured - refunded, the money kept."""

    since: date
    until: date
    currency: str
    orders: int
    gross: int
    refunded: int
    voided: int
    net: int


@dataclass(frozen=True, slots=True)
class SalesDayNet:
    day: date
    currency: str
    net: int
