"""Money settings the site cannot work with stop it at start-up with one line saying which and why."""

import pytest

from service_center.tests.test_settings import run_check


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CURRENCY", "dollars"),
        ("CURRENCY_DECIMAL_PLACES", "4"),
        ("CURRENCY_ROUNDING", "round_half_up"),
        ("CURRENCY_ROUNDING", "ROUND_SIDEWAYS"),
        ("DEFAULT_TAX_RATE", "19%"),
        ("DEFAULT_TAX_RATE", "101"),
        ("DEFAULT_TAX_RATE", "NaN"),
    ],
)
def test_a_bad_money_setting_stops_with_one_line(name, value):
    result = run_check(**{name: value})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert name in result.stderr and "Traceback" not in result.stderr


def test_good_money_settings_start():
    result = run_check(
        CURRENCY="JPY",
        CURRENCY_SYMBOL="¥",
        CURRENCY_DECIMAL_PLACES="0",
        DEFAULT_TAX_RATE="10",
        CURRENCY_ROUNDING="ROUND_HALF_EVEN",
        PRICES_INCLUDE_TAX="on",
    )
    assert result.returncode == 0, result.stderr
