"""Money as integer minor units plus an ISO 4217 currency. No floats, ever."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import total_ordering

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale

# ISO 4217 active codes by number of minor-unit digits; codes not listed have 2.
_EXPONENT_EXCEPTIONS = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
_TWO_DIGIT = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP "
    "GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD "
    "LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB "
    "PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC "
    "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
CURRENCY_EXPONENTS: dict[str, int] = {code: 2 for code in _TWO_DIGIT.split()} | {
    code: digits for digits, codes in _EXPONENT_EXCEPTIONS.items() for code in codes.split()
}


class CurrencyMismatch(ValueError):
    """Arithmetic or comparison between amounts in different currencies."""


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units: cents for EUR, yen for JPY, fils for KWD
    currency: str  # ISO 4217, upper case

    def __post_init__(self) -> None:
        # bool is an int subclass; a float here would be a bug upstream, so refuse both.
        if type(self.amount) is not int:
            raise TypeError(f"Money.amount must be int minor units, not {type(self.amount).__name__}")
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> "Money":
        """Exact conversion from major units ("12.34"); refuses sub-minor-unit precision."""
        try:
            major = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal amount") from None
        minor = major.scaleb(exponent_of(currency))
        if minor != minor.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(minor), currency)

    @property
    def exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-self.exponent)

    def __add__(self, other: "Money") -> "Money":
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        if type(quantity) is not int:
            return NotImplemented
        return Money(self.amount * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        return self.amount < self._same(other).amount

    def __str__(self) -> str:
        return f"{self.to_decimal():.{self.exponent}f} {self.currency}"

    def _same(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")
        return other


def exponent_of(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code") from None


def format_money(amount: "Money | int", currency: str | None = None, *, locale: str | None = None) -> str:
    """Money for people, in major units with its currency, in the active language's conventions
    ("€1,234.50" in English, "1.234,50 €" in German): the one formatter staff pages use.
    Takes a Money, or minor units and a currency. CSV exports and the API keep minor units."""
    money = amount if isinstance(amount, Money) else Money(int(amount), currency or "")
    locale = locale or to_locale(get_language() or settings.LANGUAGE_CODE)
    return format_currency(money.to_decimal(), money.currency, locale=locale)


def money_column(amount_field: str, description: str, *, currency_field: str = "currency"):
    """An admin list/read-only column showing `obj.<amount_field>` (minor units) with format_money,
    sortable by the amount: `gross = money_column("gross_amount", "gross")` on a ModelAdmin."""

    def column(_admin, obj) -> str:
        currency = getattr(obj, currency_field)
        return format_money(getattr(obj, amount_field), currency) if currency else "—"

    column.short_description = description
    column.admin_order_field = amount_field
    return column
