"""Reading the values CRM exports write: dates, head counts and amounts of money.

Each reader takes a cell's text and returns the value, or raises ``ValueError`` with the
problem in words for the row's report.

Dates. ISO dates and times (``2024-03-05``, ``2024-03-05 14:22``, ``2024-03-05T14:22:00Z``,
Salesforce's ``2024-03-05T14:22:00.000+0000``) are read as written; dotted dates
(``05.03.2024``) are day first, as everywhere they are used. Slashed dates (``03/05/2024``,
Salesforce's ``3/5/2024, 2:22 PM``) are month first unless the import says day first: the
upload looks at the file's dates, and when one of them has a day above 12 in the first place
(``25/03/2024``), it reads the whole column day first; the preview says which and lets the user
change it. A time without a zone is in the portal's time zone. Unix times in seconds or
milliseconds (HubSpot's API exports) are read too.

Amounts. ``$12,500,000``, ``12.5M``, ``12,5 Mio``, ``12500000``, ``1.2B`` are read as amounts; a
range (``10M-50M``, ``51-200``) is read as its middle, which falls in the band it names; ``1B+``,
``Over $1B`` and ``<1M`` as their bound.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.utils import timezone

from leads.models import RevenueBand, SizeBand

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")  # fmt: skip
_NUMERIC_DATE = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})"
    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?$"
)
_UNIX = re.compile(r"^\d{10}(?:\d{3})?$")
_LATEST_YEAR = 2100


def parse_datetime(
    raw: str,
    *,
    day_first: bool,
    latest: datetime.datetime | None = None,
    zone: datetime.tzinfo | None = None,
) -> datetime.datetime:
    """The moment a cell names (see the module docstring); ValueError if it names none, or
    if it is later than ``latest`` (by default, a day from now). A time without a zone is in
    ``zone`` (by default, the portal's)."""
    text = raw.strip()
    moment = _plain_iso(text) or _written(text, day_first=day_first)
    if moment is None:
        order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
        raise ValueError(f"Not a date; write it as YYYY-MM-DD or {order}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or timezone.get_current_timezone())
    if moment > (latest or timezone.now() + datetime.timedelta(days=1)):
        raise ValueError("The date is in the future.")
    return moment


def _plain_iso(text: str) -> datetime.datetime | None:
    """The common case, HubSpot's "2024-03-05 14:22" or a workbook's date, read without the
    patterns below (a preview reads every row of the file)."""
    if len(text) > 19 or text[4:5] != "-" or not text[:4].isdigit():
        return None
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _written(text: str, *, day_first: bool) -> datetime.datetime | None:
    if _ISO.match(text):
        return _iso(text)
    if match := _NUMERIC_DATE.match(text):
        return _numeric(match, day_first=day_first)
    if _UNIX.match(text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return None


def _iso(text: str) -> datetime.datetime | None:
    text = text.replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"  # Salesforce's +0000
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _numeric(match: re.Match, *, day_first: bool) -> datetime.datetime | None:
    first, separator, second, year, hour, minute, second_of_minute, half = match.groups()
    if separator == ".":
        day_first = True  # 05.03.2024 is day first wherever it is written
    day, month = (first, second) if day_first else (second, first)
    year = int(year) + (2000 if len(year) == 2 else 0)
    hours = int(hour or 0)
    if half:
        if hours > 12:
            return None
        hours = hours % 12 + (12 if half[0] in "pP" else 0)
    try:
        return datetime.datetime(
            year, int(month), int(day), hours, int(minute or 0), int(second_of_minute or 0)
        )
    except ValueError:
        return None


def dates_day_first(values: Iterable[str]) -> bool:
    """Whether slashed dates among ``values`` are day first: one with a first part above 12."""
    for value in values:
        match = _NUMERIC_DATE.match(value.strip())
        if match and match.group(2) == "/" and int(match.group(1)) > 12:
            return True
    return False


# --- numbers ----------------------------------------------------------------------------------------

_MULTIPLIERS = {
    "": 1, "k": 1e3, "thousand": 1e3, "tsd": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mio": 1e6,
    "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "mrd": 1e9,
}  # fmt: skip
_NUMBER = r"(\d[\d,.\s']*)\s*([a-z]*)"
_CURRENCY = re.compile(r"[$€£¥]|\b(?:usd|eur|gbp|chf|us\$)\b", re.IGNORECASE)
_AMOUNT = re.compile(rf"^{_NUMBER}$")
_RANGE = re.compile(rf"^{_NUMBER}\s*(?:-|–|—|to|bis)\s*{_NUMBER}$")
_ABOVE = re.compile(rf"^(?:>|over|above|more than|\+)?\s*{_NUMBER}\s*\+?$")
_BELOW = re.compile(rf"^(?:<|under|below|less than|up to)\s*{_NUMBER}$")


def _number(digits: str, unit: str) -> float:
    """A number written with thousands separators or a decimal comma, times its unit."""
    multiplier = _MULTIPLIERS.get(unit)
    if multiplier is None:
        raise ValueError
    digits = re.sub(r"[\s']", "", digits).rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")  # 12,500,000.00
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", digits):
        digits = digits.replace(".", "").replace(",", ".")  # 12.500.000,00
    elif digits.count(",") == 1 and "." not in digits:
        digits = digits.replace(",", ".")  # 12,5
    return float(digits) * multiplier


def parse_amount(raw: str) -> tuple[float, bool]:
    """(amount, exact): a number, or the middle (or bound) of a range, which is not exact."""
    text = _CURRENCY.sub("", raw.strip().lower()).strip()
    try:
        if match := _AMOUNT.match(text):
            return _number(*match.groups()), True
        if match := _RANGE.match(text):
            low_digits, low_unit, high_digits, high_unit = match.groups()
            high = _number(high_digits, high_unit)
            low = _number(low_digits, low_unit or high_unit)
            if low > high:
                raise ValueError
            return (low + high) / 2, False
        if match := _BELOW.match(text):
            return _number(*match.groups()) / 2, False
        if match := _ABOVE.match(text):
            return _number(*match.groups()), False
    except ValueError:
        pass
    raise ValueError("Not an amount; write it as 12500000, $12,500,000 or 12.5M.")


def parse_employees(raw: str) -> tuple[int | None, str]:
    """(head count, size band): the count when the cell gives one, the band in any case."""
    try:
        amount, exact = parse_amount(raw)
    except ValueError:
        raise ValueError("Not a number of employees; write it as 250 or 201-1000.") from None
    if amount < 0 or amount >= 10_000_000:
        raise ValueError("Not a number of employees; write it as 250 or 201-1000.")
    count = round(amount)
    return (count if exact else None), SizeBand.for_employees(max(count, 1))


# The upper bound of each revenue band, in its currency's units; the last has none.
_REVENUE_CEILINGS = (
    (RevenueBand.UNDER_1M, 1e6),
    (RevenueBand.FROM_1M, 10e6),
    (RevenueBand.FROM_10M, 50e6),
    (RevenueBand.FROM_50M, 250e6),
    (RevenueBand.FROM_250M, 1e9),
)


def parse_revenue_band(raw: str) -> str:
    """The revenue band of an annual revenue (or of a band written as such, "$10M–50M")."""
    amount, _ = parse_amount(raw)
    for band, ceiling in _REVENUE_CEILINGS:
        if amount < ceiling:
            return band
    return RevenueBand.OVER_1B
