"""Figures as JSON and CSV for scripts and spreadsheets: always UTF-8, text neutralised against formulas."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# JSON escapes C0 controls itself; these others (DEL, C1, invisible and bidi characters) it would
# write raw, and a terminal may act on them. Escaped, they parse back to the same text.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


# Longer lists (say 200,000 problems) put one item on each line: as readable, and Python's indenting
# encoder is pure Python while the compact one is C, four times as fast.
_LONG_LIST = 1000
# One encoder for those lines: json.dumps with any option set builds a new one per call (half the time).
_ONE_LINE = json.JSONEncoder(ensure_ascii=False)


def to_json(data: Any) -> str:
    if isinstance(data, dict) and any(_is_long(v) for v in data.values()):
        members = [f"  {json.dumps(key, ensure_ascii=False)}: {_indented(value)}" for key, value in data.items()]
        text = "{\n" + ",\n".join(members) + "\n}\n"
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _is_long(value: Any) -> bool:
    return isinstance(value, list) and len(value) > _LONG_LIST


def _indented(value: Any) -> str:
    if _is_long(value):
        return "[\n" + ",\n".join(f"    {_ONE_LINE.encode(item)}" for item in value) + "\n  ]"
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def to_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    """CSV text with a header; ``None`` is an empty cell; text cells neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row.get(f) is None else neutralise(_printable_cell(row.get(f))) for f in fields])
    return buffer.getvalue()


def _printable_cell(value: Any) -> Any:
    """Text with control characters escaped: a CSV is read in terminals too (``stats --format csv``)."""
    from .data.values import printable

    return printable(value) if isinstance(value, str) else value
