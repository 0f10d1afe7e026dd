"""Reading a CSV export column-wise (pandas' C parser) gives exactly the table the csv module gives.

The column-wise reader is the fast path for large exports; wherever it would read a file differently
it must step aside (return ``None``) so that the csv module reads the file, or explains what is wrong
with it. These tests compare the two readers on thousands of generated files full of what breaks CSV
readers: quotes, line breaks within and without quotes, every line ending, short and long rows, blank
rows, title rows, a byte-order mark, NUL bytes, spreadsheet errors and spaces of every kind.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from ombudsman_cli.data import reading
from ombudsman_cli.data.columns import Distinct
from ombudsman_cli.data.reading import csv_by_column
from ombudsman_cli.data.validation import REQUIRED_COLUMNS, load_decisions
from ombudsman_cli.data.values import reference_key
from ombudsman_cli.errors import InputFileError

from .conftest import GOOD, HEADER, as_text, write_csv

FIELDS = ["a", "b", "12 345", "  ", " x ", "", "", "Upheld", "é", "\u00a0", "#N/A", '"q,w"', '"line\nbreak"',
          '"cr\r\nlf"', '"a""b"', 'a"b', '"a"b', ' "a"', "'", "\\", "#", "\t", "E1", "\x00", '"', '"unclosed',
          "x;y", "\u200b"]
NAMES = ["Reference", "Authority", "Decision date", "Outcome", "Extra", "More"]


def by_the_csv_module(path: Path) -> reading.Table | str:
    try:
        return reading._table_from_rows(path, reading._read_csv(path, REQUIRED_COLUMNS), None, REQUIRED_COLUMNS)
    except InputFileError as error:
        return f"refused: {error}"


def comparable(table: reading.Table | str) -> object:
    """What validation sees of a table: headers, row numbers and every cell by column (a cell a short
    row does not reach is blank either way)."""
    if isinstance(table, str):
        return table
    width = len(table.headers) + 2
    cells = table.columns({str(index): index for index in range(width)})
    return (table.headers, table.header_row, table.row_numbers,
            {name: ["" if cell is None else cell for cell in column] for name, column in cells.items()})


def random_csv(rng: random.Random) -> bytes:
    delimiter = rng.choice([",", ";", "\t"])
    width = rng.randint(4, 6)
    lines = []
    if rng.random() < 0.1:
        lines.append(rng.choice(["", "Decisions 2020", delimiter * 3]))
    lines.append(delimiter.join(NAMES[:width]))
    for _ in range(rng.randint(0, 8)):
        count = width if rng.random() < 0.7 else rng.randint(0, width + (rng.random() < 0.2))
        lines.append(delimiter.join(rng.choice(FIELDS if rng.random() < 0.5 else FIELDS[:12]) for _ in range(count)))
    end = rng.choice(["\n", "\r\n", "\r"])
    data = (end.join(lines) + (end if rng.random() < 0.7 else "")).encode()
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.03:
        data += b"\xff"
    return data


@pytest.mark.parametrize("seed", range(4))
def test_the_column_wise_reader_reads_every_file_as_the_csv_module_does_or_steps_aside(tmp_path, seed):
    rng = random.Random(seed)
    read_by_column = 0
    for number in range(500):
        path = tmp_path / f"{number}.csv"
        path.write_bytes(random_csv(rng))
        table = csv_by_column(path, REQUIRED_COLUMNS)
        if table is None:
            continue
        read_by_column += 1
        assert comparable(table) == comparable(by_the_csv_module(path)), path.read_bytes()
    assert read_by_column > 100  # the comparison is not empty: most files are read column-wise


def test_a_large_export_is_read_column_wise_a_small_one_and_a_pipe_are_not(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    monkeypatch.setattr(reading, "CSV_BY_COLUMN_FROM", path.stat().st_size + 1)
    assert reading.read_table(path, required=REQUIRED_COLUMNS, by_column=True).by_column is None
    monkeypatch.setattr(reading, "CSV_BY_COLUMN_FROM", path.stat().st_size)
    table = reading.read_table(path, required=REQUIRED_COLUMNS, by_column=True)
    assert table.by_column is not None and table.headers == HEADER
    assert comparable(table) == comparable(by_the_csv_module(path))
    assert [row[0] for _, row in table.rows()] == [row[0] for row in as_text(GOOD)]
    fifo = tmp_path / "pipe.csv"
    import os

    os.mkfifo(fifo)
    assert csv_by_column(fifo, REQUIRED_COLUMNS) is None


def test_the_same_export_validates_alike_read_by_column_or_by_row(tmp_path, register, monkeypatch):
    monkeypatch.setattr(reading, "CSV_BY_COLUMN_FROM", 0)  # pandas' parser for a file of any size
    rows = as_text(GOOD)
    rows[1][HEADER.index("outcome")] = "Upheld?"
    rows[2][HEADER.index("reference")] = rows[0][HEADER.index("reference")]
    rows.append(rows[3][:2])  # a short row
    path = write_csv(tmp_path / "d.csv", rows)
    by_column = load_decisions(path, register)
    table = reading.read_table(path, required=REQUIRED_COLUMNS)
    assert table.by_column is None
    from ombudsman_cli.data.validation import validate

    by_row = validate(table, register)
    assert reading.read_table(path, required=REQUIRED_COLUMNS, by_column=True).by_column is not None
    assert by_column.problems == by_row.problems and by_column.warnings == by_row.warnings
    assert by_column.problems  # the comparison is not empty
    assert by_column.records.equals(by_row.records)


def test_distinct_values_number_text_numbers_and_booleans_apart():
    column = Distinct.of(["1", 1, 1.0, True, None, "1", None])
    assert column.values == ["1", 1, 1.0, True, None]
    assert column.codes.tolist() == [0, 1, 2, 3, 4, 0, 4]
    keys = Distinct.of_keys(np.array(["a", None, "b", "a"], dtype=object))
    assert [keys.value(i) for i in range(4)] == ["a", None, "b", "a"]
    assert dict(zip(keys.values, keys.first_rows().tolist())) == {"a": 0, None: 1, "b": 2}
    pairs = Distinct.of_keys(np.array([7, 3, 7, 9]))
    assert [pairs.value(i) for i in range(4)] == [7, 3, 7, 9]
    assert dict(zip(pairs.values, pairs.first_rows().tolist())) == {7: 0, 3: 1, 9: 3}
    text = Distinct.of(("b", None, "b", "a"))  # text and None only: the fast numbering
    assert [text.value(i) for i in range(4)] == ["b", None, "b", "a"] and len(text.values) == 3
    from datetime import date, datetime

    days = Distinct.of([date(2020, 1, 1), datetime(2020, 1, 1), "2020-01-01", None, date(2020, 1, 1), 1])
    assert len(days.values) == 5 and days.codes[0] == days.codes[4]  # a date and a datetime are two cells
    assert [type(days.value(i)) for i in range(6)] == [date, datetime, str, type(None), date, int]
    mixed = Distinct.of([1, True, 1.0, "1", 1])  # two kinds of number: told apart by type
    assert len(mixed.values) == 4 and mixed.codes[0] == mixed.codes[4]


@pytest.mark.parametrize("character", [chr(c) for c in range(128)])
def test_a_reference_key_of_ascii_text_ignores_every_space_as_the_unicode_rule_does(character):
    import re
    import unicodedata

    text = f"a{character}b {character}"
    unicode_rule = re.sub(r"[\s\u200b\u200c\u200d\u2060\ufeff\u180e]+", "", unicodedata.normalize("NFKC", text)).upper()
    assert reference_key(text) == unicode_rule


def test_a_workbook_with_a_few_errors_formulas_and_hidden_rows_is_read_as_when_its_whole_sheet_is_parsed(
        tmp_path, monkeypatch):
    """Only the rows holding a formula, an error or hidden are parsed from the sheet's XML; the cells and
    hidden rows found are those a parse of the whole sheet finds."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Reference", "Authority", "Decision date", "Outcome", "Notes"])
    for number in range(2, 300):
        sheet.append([f"20 {number:03}", "Adur District Council", "01/05/2020", "Upheld", ""])
    sheet["E7"] = "#N/A"  # an error value (t="e")
    sheet["B40"] = "=VLOOKUP(A40,Sheet2!A:B,2,FALSE)"  # a formula never calculated
    sheet["C41"] = "#DIV/0!"
    sheet.row_dimensions[50].hidden = True
    sheet.row_dimensions[299].hidden = True
    path = tmp_path / "marked.xlsx"
    workbook.save(path)
    with __import__("zipfile").ZipFile(path) as package:
        assert reading._marked_rows_only(package.read("xl/worksheets/sheet1.xml")) is not None

    cut = reading.read_table(path, required=REQUIRED_COLUMNS)
    monkeypatch.setattr(reading, "_marked_rows_only", lambda data: None)
    whole = reading.read_table(path, required=REQUIRED_COLUMNS)
    assert comparable(cut) == comparable(whole)
    assert cut.hidden_rows == whole.hidden_rows == [50, 299]
    cells = dict(cut.columns({"notes": 4, "authority": 1}))
    assert cells["notes"][7 - 2] == "#N/A" and str(cells["authority"][40 - 2]).startswith("=VLOOKUP")


@pytest.mark.parametrize("xml", [
    b'<worksheet xmlns="m"><sheetData><row><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>',  # no r
    b'<worksheet xmlns="m"><sheetData><row r="2"><!-- x --><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>',
    b'<x:worksheet xmlns:x="m"><x:sheetData><x:row r="2"><x:c t="e"><x:v>#N/A</x:v></x:c></x:row></x:sheetData>'
    b'</x:worksheet>',
])
def test_a_sheet_not_in_the_plain_form_is_parsed_whole(xml):
    assert reading._marked_rows_only(xml) is None
