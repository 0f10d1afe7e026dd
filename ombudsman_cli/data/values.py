"""Reading single cell values the way the export contract defines them.

Every function here takes what a spreadsheet cell can hold (text, number, date, datetime, bool or None)
and either returns the value or raises ``ValueError`` with a message saying what was expected.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# Characters that show as nothing or as a space: Python's \s covers the Unicode spaces (non-breaking,
# thin, ideographic), tabs and line breaks; the zero-width ones and the byte-order mark are not spaces to it.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u180e"
_ANY_SPACE = re.compile(f"[\\s{_INVISIBLE}]+")
_HEADER_SEPARATORS = re.compile(f"[\\s{_INVISIBLE}_\\-\u2010\u2011]+")
# The separators an enumerated value (outcome, yes/no, compliance) may use between its words.
_ENUM_SEPARATORS = re.compile(f"[\\s{_INVISIBLE}_\\-\u2010\u2011/]+")
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
    return _HEADER_SEPARATORS.sub("_", str(header).lower()).strip("_")


def enum_key(value: object) -> str:
    """An enumerated cell (outcome, yes/no, compliance) for matching: case, surrounding spaces and the
    separators space, hyphen, underscore and slash do not matter; every other character does, so
    ``Upheld?`` matches nothing."""
    return _ENUM_SEPARATORS.sub(" ", cell_text(value).lower()).strip()


def reference_key(reference: str) -> str:
    """A case reference for finding duplicates: compatibility forms folded (full-width digits), every
    kind of space removed (non-breaking, zero-width, tabs) and case ignored, so that two references
    that look the same on screen are the same."""
    if reference.isascii():  # the common case, quicker: NFKC leaves ASCII as it is
        return "".join(reference.split()).upper()
    return _ANY_SPACE.sub("", unicodedata.normalize("NFKC", reference)).upper()


def name_key(name: str) -> str:
    """A council name for matching: case, spacing, punctuation and ``&`` versus ``and`` ignored."""
    return _NOT_ALNUM.sub("", name.lower().replace("&", " and "))


@dataclass(frozen=True)
class CellError:
    """A cell that holds no value: an uncalculated formula (``text`` is the formula), read from the
    workbook itself because the readers show such a cell as blank."""

    text: str

    def __str__(self) -> str:
        return self.text


# What Excel and LibreOffice show in a cell whose formula failed; saved to CSV, the same text.
_ERROR_TEXTS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#NAME!"}
_LIBREOFFICE_ERROR = re.compile(r"^(?:Err:\d{3}|#NAME\?|#N/A)$")


def cell_error(value: object) -> str | None:
    """What is wrong when a cell holds a spreadsheet error or an uncalculated formula, else ``None``.

    Such a cell must never be read as blank or as text: its real value is unknown."""
    if isinstance(value, CellError):
        return ("is a formula with no calculated value; open the file in Excel or LibreOffice so that it "
                "calculates, and save it (or paste the values in place of the formulas)")
    if type(value) is str and value[:1] in "#E" and value:
        text = value.strip()
        if text.upper() in _ERROR_TEXTS or _LIBREOFFICE_ERROR.match(text):
            return (f"is a spreadsheet error ({text}), not a value; correct the formula or the cell it "
                    "refers to, or type the value")
    return None


def text_at(row: Sequence[object], index: int | None) -> str:
    """The text of ``row``'s cell at ``index``: blank for a column the file does not have (``None``) or a
    row cut short before it."""
    return cell_text(row[index]) if index is not None and index < len(row) else ""


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
    day_first = False
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        year = _four_digit_year(year, match.group(3))
        day_first = True
    elif (match := _WORDY_DATE.match(text)) and match.group(2).lower() in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
        year = _four_digit_year(year, match.group(3))
    else:
        raise ValueError(f"cannot be read as a date; expected {DATE_EXPECTED}")
    try:
        return date(year, month, day)
    except ValueError:
        hint = " (dates are read day first)" if day_first and month > 12 and day <= 12 else ""
        raise ValueError(f"is not a day that exists{hint}; expected {DATE_EXPECTED}") from None


def _four_digit_year(year: int, written: str) -> int:
    """Two-digit years as spreadsheets read them: 00-29 are 20xx, 30-99 are 19xx."""
    if len(written) != 2:
        return year
    return year + (2000 if year < 30 else 1900)


def day_first_parts(value: object) -> tuple[int, int] | None:
    """``(first, second)`` of a text date written with the day or month first (``03/31/2020`` ->
    ``(3, 31)``), for telling a column written month first; ``None`` for any other cell."""
    if type(value) is not str:
        return None
    match = _UK_DATE.match(value.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_optional_date(value: object) -> date | None:
    """Like :func:`parse_date`, but a blank cell is ``None``."""
    if value is None or cell_text(value) == "":
        return None
    return parse_date(value)


# Control characters (C0, DEL, C1), and the invisible and direction-changing ones (zero-width, bidi
# overrides, line and paragraph separators): shown as escapes wherever export text reaches a terminal.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, limit: int | None = None, multiline: bool = False) -> str:
    """``text`` safe for a terminal: control and invisible characters as escapes (``\\x1b``,
    ``\\u202e``), so a cell can neither move the cursor nor hide; longer than ``limit``, cut with ``...``.
    With ``multiline``, line breaks stay (a message of several lines); otherwise they are shown as ``\\n``."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."

    def escape(match: re.Match[str]) -> str:
        character = match.group()
        if multiline and character == "\n":
            return character
        if character in _NAMED_ESCAPES:
            return _NAMED_ESCAPES[character]
        return f"\\u{ord(character):04x}" if ord(character) > 0xFF else f"\\x{ord(character):02x}"

    return _UNPRINTABLE.sub(escape, text)


# Words that say little about which column a header means: "Decision type" is no more authority_type than
# decision_date.
_GENERAL_WORDS = {"date", "type", "name", "code", "id", "no", "number", "of", "the"}


def probable_column(key: str, candidates: Sequence[str]) -> str | None:
    """The column a header that is not read probably means: one whose words it has (``Satisfactory
    remedy provided``, ``Compliance outcome``), whose distinctive words it is (``Remedy``), or one it
    nearly spells (``satisfactry_remedy``)."""
    words = set(key.split("_")) - {""}
    best: tuple[float, str] | None = None
    for column in candidates:
        column_words = set(column.split("_"))
        if column_words <= words or (words <= column_words and words - _GENERAL_WORDS):
            score = 1.0
        else:
            score = difflib.SequenceMatcher(None, key, column).ratio()
            if score < 0.8:
                continue
        if best is None or score > best[0]:
            best = (score, column)
    return best[1] if best else None


#: Registered nouns and their plurals; "1 upheld decision", "2 upheld decisions".
_PLURALS = {"detailed investigation": "detailed investigations", "compliance outcome": "compliance outcomes",
            "upheld decision": "upheld decisions", "satisfactory remedy decision": "satisfactory remedy decisions",
            "decision": "decisions", "case": "cases"}


def plural(count: int, noun: str) -> str:
    """``1 upheld decision``, ``2 upheld decisions``, ``1,234 decisions``, ``1 PDF``, ``3 PDFs``: every count
    a person reads, in letters and messages alike."""
    word = noun if count == 1 else _PLURALS.get(noun, noun + "s")
    return f"{count:,} {word}"


def some_of(names: Sequence[str], shown: int = 5) -> str:
    """``a, b, c and 7 more``: the first few of a list a person reads, and how many are not shown."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")
