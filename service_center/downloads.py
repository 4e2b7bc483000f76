"""CSV downloads every app shares: streaming row by row, and cells a spreadsheet will not run as formulas."""


class Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a streamed response."""

    def write(self, value):
        return value


def spreadsheet_safe(value):
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
