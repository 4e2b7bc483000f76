from core.models import ServiceItem


class ControlNumberConverter:
    """Matches a control number such as SC-000123 in a URL and gives the view the item number, 123."""

    regex = r"[A-Za-z]{1,10}-[0-9]{1,12}"

    def to_python(self, value):
        number = ServiceItem.number_from_control_number(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value):
        return ServiceItem.format_control_number(int(value))
