"""The cells of an export: amounts in the currency's units, times in UTC, and text made safe
to open in a spreadsheet.

Only text from the record (names, emails, descriptions, memos, numbers, ids) goes through
`text()`, which defuses a formula: a cell starting with `=`, `+`, `-`, `@`, a tab, a carriage
return or a NUL (OWASP's "CSV Injection" and ASVS 1.2.10) gets a leading single quote, which
Excel, LibreOffice and Google Sheets read as "this is text" and do not show. Amounts,
quantities and dates are written here from integers, never from text, so they are never
escaped: a negative amount (Xero's credit notes) stays a number.
"""

import datetime
import functools

from invoicing.currencies import decimals

# What makes a spreadsheet read a cell as a formula (or strip what would make it one).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
_SCALE = {2: 100, 3: 1000}
DAY = 86400


def text(value):
    """A text cell: empty for None, a leading single quote if it could start a formula."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def amount(value, currency):
    """An amount in the smallest unit as a decimal in the currency's units, exactly: 1234 usd
    is 12.34, 1234 jpy is 1234, 1234 kwd is 1.234; None is empty."""
    if value is None:
        return ""
    places = decimals(currency)
    if places == 0:
        return str(value)
    if value >= 0:
        return f"{value // _SCALE[places]}.{value % _SCALE[places]:0{places}d}"
    return "-" + amount(-value, currency)


def unit_amount(line_amount, quantity, currency):
    """The price of one, when the line's amount divides exactly by its quantity in the
    smallest unit (a credit by amount may not); else empty."""
    if line_amount is None or not quantity or line_amount % quantity:
        return ""
    return amount(line_amount // quantity, currency)


def number(value):
    """A whole number (a quantity), or empty."""
    return "" if value is None else str(int(value))


def _moment(moment, pattern):
    if moment is None:
        return ""
    try:
        return datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime(pattern)
    except (OverflowError, ValueError, OSError):  # past the year 9999: the number as it is
        return str(moment)


@functools.lru_cache(maxsize=1024)
def _iso_day(days):
    """The UTC day `days` after the epoch as ISO 8601 (`2024-05-01`), or None past the year
    9999; cached, as an export's rows come in order of time and share their days."""
    try:
        return datetime.datetime.fromtimestamp(days * DAY, datetime.UTC).strftime("%Y-%m-%d")
    except (OverflowError, ValueError, OSError):
        return None


def iso(moment):
    """Unix seconds as ISO 8601 in UTC (`2024-05-01T09:30:00Z`), or empty."""
    if moment is None:
        return ""
    days, seconds = divmod(moment, DAY)
    day_text = _iso_day(days)
    if day_text is None:
        return str(moment)
    minutes, second = divmod(seconds, 60)
    return f"{day_text}T{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}Z"


def day(moment):
    """Unix seconds as the UTC day, dd/mm/yyyy (Xero's import format), or empty."""
    return _moment(moment, "%d/%m/%Y")
