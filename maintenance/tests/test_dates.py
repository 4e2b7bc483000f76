import datetime

import pytest

from maintenance.dates import add_months

D = datetime.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # a leap year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 8, 31), 30, D(2029, 2, 28)),  # the UK's 2.5 years
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 11, 27), 60, D(2031, 11, 27)),
    ],
)
def test_a_clock_falls_due_on_the_same_day_of_the_month_or_the_last_day_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected
