from decimal import Decimal

import pytest

from apps.common.money import CurrencyMismatch, Money


def test_arithmetic_stays_in_minor_units():
    price = Money(1999, "EUR")

    total = price * 3 + Money(500, "EUR") - Money(1, "EUR")

    assert total == Money(6496, "EUR")
    assert 2 * price == Money(3998, "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1999, "EUR", "19.99 EUR"),
        (1999, "JPY", "1999 JPY"),
        (1999, "KWD", "1.999 KWD"),
        (-5, "USD", "-0.05 USD"),
    ],
)
def test_renders_with_the_currency_exponent(amount, currency, text):
    assert str(Money(amount, currency)) == text


def test_from_decimal_is_exact_and_refuses_sub_minor_precision():
    assert Money.from_decimal("12.34", "EUR") == Money(1234, "EUR")
    assert Money.from_decimal(Decimal("500"), "JPY") == Money(500, "JPY")
    with pytest.raises(ValueError, match="more decimals than EUR allows"):
        Money.from_decimal("12.345", "EUR")
    with pytest.raises(ValueError, match="not a decimal amount"):
        Money.from_decimal("twelve", "EUR")


@pytest.mark.parametrize("amount", [12.5, True, Decimal("1"), "100"])
def test_amount_must_be_int_minor_units(amount):
    with pytest.raises(TypeError, match="must be int minor units"):
        Money(amount, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EURO", "XXX", ""])
def test_currency_must_be_iso_4217(currency):
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(100, currency)


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        Money(100, "EUR") + Money(100, "USD")
    with pytest.raises(CurrencyMismatch):
        sorted([Money(100, "EUR"), Money(200, "USD")])
    assert Money(100, "EUR") != Money(100, "USD")


def test_ordering_within_a_currency():
    assert Money(100, "EUR") < Money(200, "EUR") <= Money(200, "EUR")
    assert max(Money(5, "GBP"), Money(50, "GBP")) == Money(50, "GBP")


def test_multiplying_by_a_float_is_refused():
    with pytest.raises(TypeError):
        Money(100, "EUR") * 1.5


def test_format_money_is_major_units_with_the_currency_in_the_locale():
    from apps.common.money import format_money

    assert format_money(Money(123450, "EUR"), locale="en_US") == "€1,234.50"
    assert format_money(123450, "EUR", locale="de_DE") == "1.234,50\xa0€"
    assert format_money(1500, "JPY", locale="en_US") == "¥1,500"
    assert format_money(1234, "KWD", locale="en_US") == "KWD1.234"  # three decimals
