"""The one place totals are computed, at the rounding edges: a table of cases a bookkeeper would check by hand."""

import decimal
from decimal import Decimal as D

import pytest

from billing.money import Line, Rules, compute_totals, format_money

EXCL = Rules(places=2, rounding=decimal.ROUND_HALF_UP, prices_include_tax=False)
INCL = Rules(places=2, rounding=decimal.ROUND_HALF_UP, prices_include_tax=True)
EVEN = Rules(places=2, rounding=decimal.ROUND_HALF_EVEN, prices_include_tax=False)
YEN_INCL = Rules(places=0, rounding=decimal.ROUND_HALF_UP, prices_include_tax=True)
DINAR = Rules(places=3, rounding=decimal.ROUND_HALF_UP, prices_include_tax=False)


def line(quantity, price, discount="0", rate="0"):
    return Line(quantity=D(quantity), unit_price=D(price), discount_percent=D(discount), tax_rate=D(rate))


# (name, rules, lines, expected amounts, net, tax, gross)
CASES = [
    ("nothing", EXCL, [], (), "0", "0", "0"),
    ("half a cent rounds up", EXCL, [line("1", "0.005")], ("0.01",), "0.01", "0.00", "0.01"),
    ("half a cent to even", EVEN, [line("1", "0.005")], ("0.00",), "0.00", "0.00", "0.00"),
    ("1.5 cents to even", EVEN, [line("1", "0.015")], ("0.02",), "0.02", "0.00", "0.02"),
    ("tax added on top", EXCL, [line("1", "10.00", rate="19")], ("10.00",), "10.00", "1.90", "11.90"),
    ("tax inside the price", INCL, [line("1", "11.90", rate="19")], ("11.90",), "10.00", "1.90", "11.90"),
    ("tax inside, half cent up", INCL, [line("1", "0.05", rate="20")], ("0.05",), "0.04", "0.01", "0.05"),
    ("tax on top, half cent up", EXCL, [line("1", "0.10", rate="5")], ("0.10",), "0.10", "0.01", "0.11"),
    (
        "tax rounded once per rate, not per line",
        EXCL,
        [line("1", "0.10", rate="5")] * 3,
        ("0.10", "0.10", "0.10"),
        "0.30",
        "0.02",
        "0.32",
    ),
    (
        "two rates on top",
        EXCL,
        [line("1", "10.00", rate="19"), line("2", "5.00", rate="7")],
        ("10.00", "10.00"),
        "20.00",
        "2.60",
        "22.60",
    ),
    (
        "two rates inside",
        INCL,
        [line("1", "11.90", rate="19"), line("1", "10.70", rate="7"), line("1", "5.00")],
        ("11.90", "10.70", "5.00"),
        "25.00",
        "2.60",
        "27.60",
    ),
    ("line discount", EXCL, [line("1", "99.99", discount="10")], ("89.99",), "89.99", "0.00", "89.99"),
    ("whole discount", EXCL, [line("3", "12.50", discount="100", rate="19")], ("0.00",), "0.00", "0.00", "0.00"),
    ("discount then tax", EXCL, [line("2", "45.00", discount="15", rate="19")], ("76.50",), "76.50", "14.54", "91.04"),
    ("hours with decimals", EXCL, [line("1.5", "45.00")], ("67.50",), "67.50", "0.00", "67.50"),
    ("a third of an hour", EXCL, [line("0.333", "60.00")], ("19.98",), "19.98", "0.00", "19.98"),
    ("quantity makes a half cent", EXCL, [line("2.5", "0.01")], ("0.03",), "0.03", "0.00", "0.03"),
    ("yen, tax inside", YEN_INCL, [line("1", "1005", rate="10")], ("1005",), "914", "91", "1005"),
    ("dinar, three places", DINAR, [line("1", "1.2345", rate="10")], ("1.235",), "1.235", "0.124", "1.359"),
    (
        "rate 7.5 and 7.50 are one rate",
        EXCL,
        [line("1", "10", rate="7.5"), line("1", "10", rate="7.50")],
        ("10.00", "10.00"),
        "20.00",
        "1.50",
        "21.50",
    ),
]


@pytest.mark.parametrize(
    ("rules", "lines", "amounts", "net", "tax", "gross"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_totals(rules, lines, amounts, net, tax, gross):
    totals = compute_totals(lines, rules)
    assert totals.amounts == tuple(D(a) for a in amounts)
    assert (totals.net, totals.tax, totals.gross) == (D(net), D(tax), D(gross))
    assert totals.net + totals.tax == totals.gross
    assert sum((g.gross for g in totals.taxes), D(0)) == totals.gross


def test_each_rate_is_a_group_of_its_own_lowest_first():
    totals = compute_totals([line("1", "10.00", rate="19"), line("1", "10.00", rate="7")], EXCL)
    assert [(g.rate, g.net, g.tax) for g in totals.taxes] == [
        (D(7), D("10.00"), D("0.70")),
        (D(19), D("10.00"), D("1.90")),
    ]


def test_discount_is_what_the_line_gave_away():
    totals = compute_totals([line("1", "99.99", discount="10"), line("2", "5.00", discount="50")], EXCL)
    assert totals.discount == D("15.00")


def test_amounts_stay_decimal_never_float():
    totals = compute_totals([line("3", "0.10", rate="19")], INCL)
    assert all(isinstance(value, D) for value in (totals.net, totals.tax, totals.gross, *totals.amounts))


def test_a_credit_note_takes_back_exactly_the_same():
    totals = compute_totals([line("1", "11.90", rate="19")], INCL)
    credit = -totals
    assert (credit.net, credit.tax, credit.gross) == (D("-10.00"), D("-1.90"), D("-11.90"))
    assert totals.gross + credit.gross == 0


def test_rules_come_from_settings(settings):
    settings.CURRENCY_DECIMAL_PLACES = 0
    settings.CURRENCY_ROUNDING = "ROUND_DOWN"
    settings.PRICES_INCLUDE_TAX = True
    assert Rules.from_settings() == Rules(places=0, rounding=decimal.ROUND_DOWN, prices_include_tax=True)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(D("1234.5"), "$1,234.50"), (D("-3"), "-$3.00"), (D("0.005"), "$0.01"), (D("-0.001"), "$0.00"), (None, "")],
)
def test_format_money(settings, amount, expected):
    settings.CURRENCY_SYMBOL = "$"
    settings.CURRENCY_DECIMAL_PLACES = 2
    settings.CURRENCY_ROUNDING = "ROUND_HALF_UP"
    assert format_money(amount) == expected


def test_format_money_without_minor_unit(settings):
    settings.CURRENCY_SYMBOL = "¥"
    assert format_money(D("1234567.4"), places=0) == "¥1,234,567"
