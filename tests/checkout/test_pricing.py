"""The pricing engine alone: rounding per line, discount spread, gross and net."""

from decimal import Decimal

from apps.checkout.pricing import LineInput, percentage_discount, price, spread, tax_of, weight_band_price

R19 = Decimal("19.00")


def test_tax_is_rounded_half_up_per_line_not_on_the_sum():
    # Net 11.50 at 19 % is 2.185 EUR = 218.5 cents: half-up gives 219 (half-even would give 218)
    lines = [LineInput("A", "A", 1150, 1, R19), LineInput("B", "B", 1150, 1, R19)]

    totals = price(lines, discount=0, shipping=0, shipping_tax_rate=R19, prices_include_tax=False)

    assert [line.tax for line in totals.lines] == [219, 219]
    assert totals.tax == 438  # the tax of the 2300 sum would have been 437
    assert tax_of(2300, R19, included=False) == 437
    assert totals.total == 2300 + 438


def test_gross_prices_hold_their_tax_inside_and_round_each_line():
    # 5.95 gross at 19 %: 95.0 cents of tax exactly; 2.50 gross: 39.916 -> 40; 0.07: 1.117 -> 1
    lines = [
        LineInput("A", "A", 595, 1, R19),
        LineInput("B", "B", 250, 1, R19),
        LineInput("C", "C", 7, 1, R19),
    ]

    totals = price(lines, discount=0, shipping=490, shipping_tax_rate=R19, prices_include_tax=True)

    assert [line.tax for line in totals.lines] == [95, 40, 1]
    assert totals.shipping_tax == 78  # 490 x 19/119 = 78.24
    assert totals.tax == 95 + 40 + 1 + 78
    assert totals.total == 595 + 250 + 7 + 490  # gross: the tax is already in the prices


def test_a_half_cent_rounds_up_in_gross_mode_too():
    assert tax_of(119, R19, included=True) == 19  # 119 x 19/119: exact
    assert tax_of(2973, Decimal("20.00"), included=True) == 496  # 2973 / 6 = 495.5 -> 496
    assert tax_of(2967, Decimal("20.00"), included=True) == 495  # 494.5 -> 495 (half-even: 494)


def test_the_discount_is_spread_over_lines_in_proportion_and_adds_up():
    assert spread(100, [1, 1, 1]) == [34, 33, 33]
    assert spread(438, [2380, 2000]) == [238, 200]
    assert spread(0, [5, 5]) == [0, 0]
    assert sum(spread(997, [333, 333, 334])) == 997


def test_tax_is_on_the_discounted_line_and_the_discount_never_exceeds_the_subtotal():
    lines = [LineInput("A", "A", 1000, 1, R19)]

    discounted = price(lines, discount=100, shipping=0, shipping_tax_rate=R19, prices_include_tax=False)
    capped = price(lines, discount=5000, shipping=300, shipping_tax_rate=R19, prices_include_tax=False)

    assert (discounted.lines[0].discount, discounted.lines[0].tax, discounted.total) == (100, 171, 1071)
    assert (capped.discount, capped.lines[0].tax, capped.shipping_tax, capped.total) == (1000, 0, 57, 357)


def test_percentage_and_weight_band_helpers():
    assert percentage_discount(4380, Decimal("10")) == 438
    assert percentage_discount(1005, Decimal("10")) == 101  # 100.5 -> 101
    assert percentage_discount(500, Decimal("100")) == 500
    bands = [(5000, 690), (1000, 490)]
    assert [weight_band_price(bands, w) for w in (0, 1000, 1001, 5000, 5001)] == [490, 490, 690, 690, None]
