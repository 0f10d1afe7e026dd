"""Reading single cell values the way the export contract defines them.

Every function here takes what a spreadsheet cell can hold (text, number, date, datetime, bool or None)
and either returns the value or raises ``ValueError`` with a message saying what was expected.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HEADER_SEPARATORS = re.compile(r"[\s_\-]+")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$")
_WORDY_DATE = re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4}|\d{2})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

DATE_EXPECTED = "a date such as 2020-03-31 or 31/03/2020 (day first)"


def header_key(header: object) -> str:
    """``' Decision-date '`` -> ``decision_date``: case, outer spaces and space/hyphen/underscore ignored."""
    return _HEADER_SEPARATORS.sub("_", str(header).strip().lower())


def name_key(name: str) -> str:
    """A council name for matching: case, spacing, punctuation and ``&`` versus ``and`` ignored."""
    return _NOT_ALNUM.sub("", name.lower().replace("&", " and "))


def cell_text(value: object) -> str:
    """A cell as the text a person sees in it; integral numbers without ``.0``; blank for empty."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell from some readers
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    return str(value).strip()


def parse_date(value: object) -> date:
    """A real spreadsheet date, ISO text or UK day-first text; a time of day is dropped (it is the same day).

    Raises ``ValueError`` saying whether the text could not be read or names a day that does not exist.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (time, timedelta)):
        raise ValueError(f"is a time of day, not a date; expected {DATE_EXPECTED}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(
            f"is a number, not a date; expected {DATE_EXPECTED} "
            "(format the column as dates in the spreadsheet)"
        )
    text = cell_text(value)
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
    elif (match := _WORDY_DATE.match(text)) and match.group(2).lower() in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
        year += 2000 if year < 100 else 0
    else:
        raise ValueError(f"cannot be read as a date; expected {DATE_EXPECTED}")
    try:
        return date(year, month, day)
    except ValueError:
        hint = " (dates are read day first)" if month > 12 and day <= 12 else ""
        raise ValueError(f"is not a day that exists{hint}; expected {DATE_EXPECTED}") from None


def parse_optional_date(value: object) -> date | None:
    """Like :func:`parse_date`, but a blank cell is ``None``."""
    if value is None or cell_text(value) == "":
        return None
    return parse_date(value)
