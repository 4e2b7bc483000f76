"""Calendar arithmetic for service clocks: intervals are whole months, as manufacturers and regulations say."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later; the month's last day when it is shorter.

    31 January + 1 month is 28 (or 29) February; 29 February + 12 months is 28 February.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
