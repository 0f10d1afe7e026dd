"""Reading a table (CSV, ``.xlsx``, ``.ods``) into headers and rows, with the row numbers a spreadsheet shows.

Nothing here interprets values; :mod:`ombudsman_cli.data.validation` does that. Two readers exist for
workbooks: python-calamine (fast, the default) and openpyxl (the fallback); the validated result is the
same whichever runs, because every cell goes through :func:`ombudsman_cli.data.values.cell_text` or
:func:`ombudsman_cli.data.values.parse_date`, which treat their differing types (``1.0`` versus ``1``,
``date`` versus ``datetime``) alike.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import InputFileError
from .values import CellError, cell_text, header_key

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

    from .columns import Distinct

Engine = Literal["calamine", "openpyxl"]
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)


@dataclass
class Table:
    """The header row and the data rows of one sheet.

    ``row_numbers[i]`` is the spreadsheet row number of data row ``i`` (the header is row 1 in a
    well-formed export, so the first data row is row 2). Wholly blank rows are not in the table. The
    cells are kept by row (``cells``) or, for a CSV file read column-wise, by column (``by_column``, each
    with its distinct values numbered): :meth:`rows`, :meth:`columns` and :meth:`distinct` give either.
    """

    path: str
    headers: list[str]
    cells: list[Sequence[object]]
    row_numbers: list[int]
    sheet: str | None = None
    header_row: int = 1
    #: Data rows hidden in the workbook (a person looking at the sheet does not see them).
    hidden_rows: list[int] = field(default_factory=list)
    #: Other sheets of the workbook whose top rows hold the ``required`` columns too.
    other_sheets: list[str] = field(default_factory=list)
    #: The cells by column instead of by row (``cells`` is then empty): each column's distinct cells and,
    #: per row, the number of its cell among them.
    by_column: list[Distinct] | None = None
    _distinct: dict[int, Distinct] = field(default_factory=dict, repr=False)
    _transposed: list[tuple[object, ...]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.row_numbers)

    def rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        if self.by_column is not None:
            return zip(self.row_numbers, zip(*(column.every_row() for column in self.by_column)))
        return zip(self.row_numbers, self.cells)

    def columns(self, wanted: dict[str, int]) -> dict[str, Sequence[object] | np.ndarray]:
        """Raw cells by column (name -> index in ``wanted``); ``None`` where a short row has no cell."""
        if self.by_column is not None:
            return {name: self.distinct(index).every_row() for name, index in wanted.items()}
        if not self.cells:
            return {name: [] for name in wanted}
        transposed = list(itertools.zip_longest(*self.cells))
        return {name: transposed[index] if index < len(transposed) else [None] * len(self.cells)
                for name, index in wanted.items()}

    def distinct(self, index: int) -> Distinct:
        """Column ``index`` as its distinct cells and each row's number among them (a column the rows do
        not reach is all ``None``)."""
        from .columns import Distinct

        if self.by_column is not None:
            if index < len(self.by_column):
                return self.by_column[index]
            return Distinct.blank(len(self))
        if index not in self._distinct:
            if self._transposed is None:
                self._transposed = list(itertools.zip_longest(*self.cells))
            if index >= len(self._transposed):
                return Distinct.blank(len(self))
            self._distinct[index] = Distinct.of(self._transposed[index])
        return self._distinct[index]


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cycle collector while millions of cells are made: they form no cycles, and its passes
    over them would cost more than the reading itself. A whole command runs this way too: its objects
    live until it ends, and each full pass over them (modules, decisions, letters' parts) finds next to
    nothing to free (0.1-0.15 s of a national run; peak memory measured the same without them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The columns every decisions export has: the header row is the first of the top rows that holds them.
REQUIRED_COLUMNS = ("reference", "authority", "decision_date", "outcome")

#: From this size a CSV export is read by pandas: below it the csv module has read the file before pandas
#: has loaded (about half a second; the csv module costs about 0.07 s per MB more than pandas' parser).
CSV_BY_COLUMN_FROM = 8_000_000


def read_table(
    path: str | Path, sheet: str | None = None, engine: Engine = "calamine", required: Sequence[str] = (),
    by_column: bool = False,
) -> Table:
    """Read the first sheet (or ``sheet``) of a workbook, or a UTF-8 CSV file, into a :class:`Table`.

    The header is the first non-blank row, or, where title rows stand above it, the first of the top
    rows that holds every ``required`` column (compared as :func:`header_key` makes them). With
    ``by_column``, a CSV file of :data:`CSV_BY_COLUMN_FROM` bytes or more is read by pandas' C parser into
    columns (the same table, in a fraction of the time, for a large export).
    """
    with bulk_allocation():
        return _read_table(Path(path), sheet, engine, required, by_column)


def read_export(path: str | Path, sheet: str | None = None, engine: Engine = "calamine") -> Table:
    """A decisions export read as :func:`ombudsman_cli.data.validation.load_decisions` reads it, before
    validation (which needs numpy; this does not, so a command can start it first)."""
    return read_table(path, sheet=sheet, engine=engine, required=REQUIRED_COLUMNS, by_column=True)


def _read_table(path: Path, sheet: str | None, engine: Engine, required: Sequence[str], by_column: bool) -> Table:
    if not path.exists():
        raise InputFileError(path, "no such file. Check the path, or set it in ombudsman.toml.")
    if path.is_dir():
        raise InputFileError(path, "is a folder; give the file inside it.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputFileError(
            path, f"cannot read {suffix or 'a file without a suffix'}; save it as {', '.join(SUFFIXES)}."
        )
    _check_contents_match_suffix(path, suffix)
    hidden: set[int] = set()
    other_sheets: list[str] = []
    if suffix == ".csv":
        if by_column and path.stat().st_size >= CSV_BY_COLUMN_FROM:
            table = csv_by_column(path, required)
            if table is not None:
                return table
        raw_rows = _read_csv(path, required)
        sheet = None  # a CSV file has one table; a sheet asked for is not there to choose
    else:
        xml = suffix in (".xlsx", ".xlsm")  # a workbook whose XML can say what the readers do not
        if engine == "openpyxl" and xml:
            sheet, raw_rows = _read_openpyxl(path, sheet)
            hidden = _put_back(raw_rows, *_what_readers_hide(path, sheet))
        else:
            sheet, raw_rows, other_sheets, hidden = _read_calamine(path, sheet, required, xml)
    table = _table_from_rows(path, raw_rows, sheet, required)
    table.hidden_rows = [n for n in table.row_numbers if n in hidden]
    table.other_sheets = other_sheets
    return table


# The first bytes of a zip package (.xlsx, .ods) and of an old binary workbook (.xls).
_ZIP_MAGIC, _OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def _check_contents_match_suffix(path: Path, suffix: str) -> None:
    """A workbook saved under a ``.csv`` name (or text under a workbook's) is named as what it is."""
    try:
        with path.open("rb") as handle:
            start = handle.read(4)
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror}).") from None
    is_workbook = start in (_ZIP_MAGIC, _OLE_MAGIC)
    if suffix == ".csv" and is_workbook:
        kind = "an Excel or LibreOffice workbook" if start == _ZIP_MAGIC else "an old Excel workbook (.xls)"
        raise InputFileError(
            path, f"is {kind} saved with a .csv name, not CSV text. Rename it to .xlsx (or .ods, .xls), "
            "or save it again with Excel's File > Save As > 'CSV UTF-8 (Comma delimited)'."
        )
    if suffix != ".csv" and start and not is_workbook:
        raise InputFileError(
            path, f"is not a workbook, although it is named {suffix}: it looks like text. If it is CSV, rename "
            "it to .csv; otherwise open it in Excel or LibreOffice and save it as .xlsx."
        )


def _is_blank(row: Sequence[object]) -> bool:
    first = row[0] if row else None
    if type(first) is str and first and not first[0].isspace():
        return False  # the common case, known from the first character (what strip() would keep)
    return not any(cell_text(c) for c in row)


_HEADER_SEARCH_ROWS = 20


def _table_from_rows(path: Path, raw_rows: list[Sequence[object]], sheet: str | None, required: Sequence[str]) -> Table:
    numbered = [(number, row) for number, row in enumerate(raw_rows, start=1) if not _is_blank(row)]
    if not numbered:
        raise InputFileError(path, "is empty; expected a header row and one row per decision.")
    start = 0
    if required:
        wanted = set(required)
        for position, (_, row) in enumerate(numbered[:_HEADER_SEARCH_ROWS]):
            if wanted <= {header_key(cell_text(c)) for c in row}:
                start = position
                break
    header_number, header_row = numbered[start]
    numbered = numbered[start:]
    headers = [cell_text(h) for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    return Table(
        path=str(path),
        headers=headers,
        cells=[row for _, row in numbered[1:]],
        row_numbers=[number for number, _ in numbered[1:]],
        sheet=sheet,
        header_row=header_number,
    )


# Excel in many European locales saves "CSV" with semicolons; tabs come from copy and paste.
_DELIMITERS = ",;\t"


def _read_csv(path: Path, required: Sequence[str] = ()) -> list[Sequence[object]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            path,
            f"is not UTF-8 text (byte {error.start} cannot be read). "
            "In Excel use File > Save As > 'CSV UTF-8 (Comma delimited)'.",
        ) from None
    # A long note in a column nobody reads is not a reason to refuse the file.
    csv.field_size_limit(2**31 - 1)
    delimiter = _sniff_delimiter(text, required)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputFileError(path, f"is not a readable CSV file ({error}).") from None


def _sniff_delimiter(text: str, required: Sequence[str]) -> str:
    """The delimiter that makes a header of the ``required`` columns among the top lines (title rows
    may stand above it), else the one the first line with any delimiter uses most."""
    top = [line for line in itertools.islice(io.StringIO(text, newline=""), _HEADER_SEARCH_ROWS * 2) if line.strip()]
    if required:
        wanted = set(required)
        for delimiter in _DELIMITERS:
            try:
                rows = list(csv.reader(top, delimiter=delimiter))
            except csv.Error:
                continue
            if any(wanted <= {header_key(cell) for cell in row} for row in rows):
                return delimiter
    for line in top:
        if any(d in line for d in _DELIMITERS):
            return max(_DELIMITERS, key=line.count)
    return ","


def _read_calamine(path: Path, sheet: str | None, required: Sequence[str] = (),
                   xml: bool = False) -> tuple[str, list[Sequence[object]], list[str], set[int]]:
    """The sheet's rows, the other sheets whose top rows hold the ``required`` columns, and (for a
    workbook whose ``xml`` can be read) the hidden rows, with what the reader shows as blank put back."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several unrelated types for a damaged file
        raise InputFileError(path, f"cannot be opened as a spreadsheet ({error}).") from None
    try:
        name = _pick_sheet(path, workbook.sheet_names, sheet)
        hidden_from_xml: Future[tuple[list[tuple[int, int, object]], set[int]]] | None = None
        if xml:
            from ..background import in_background

            # Read alongside: calamine parses the sheet outside Python's lock, so the two overlap.
            hidden_from_xml = in_background(_what_readers_hide, path, name)
        try:
            rows: list[Sequence[object]] = list(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
        except Exception as error:
            raise InputFileError(path, f"sheet {name!r} cannot be read ({error}).") from None
        hidden = _put_back(rows, *hidden_from_xml.result()) if hidden_from_xml else set()
        others = []
        if required:
            for other in workbook.sheet_names:
                if other == name:
                    continue
                try:
                    top = workbook.get_sheet_by_name(other).to_python(skip_empty_area=False, nrows=_HEADER_SEARCH_ROWS)
                except Exception:  # a chart sheet or a damaged one: not an export either way
                    continue
                if any(set(required) <= {header_key(cell_text(c)) for c in row} for row in top):
                    others.append(other)
    finally:
        workbook.close()
    return name, rows, others, hidden


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _what_readers_hide(path: Path, sheet: str) -> tuple[list[tuple[int, int, object]], set[int]]:
    """What both readers show as blank, as (row number, column, what the cell holds), and the hidden row
    numbers.

    A cell whose formula failed holds its error (``#N/A``) and an uncalculated formula holds nothing;
    both readers give a blank for the first or the second, which would read as "no remedy" or "not
    yet known". Here the error text or a :class:`CellError` stands for the cell, so that validation
    reports it. Read from the sheet's XML, and only when the XML has formulas, errors or hidden rows.
    """
    try:
        with zipfile.ZipFile(path) as package:
            part = _sheet_part(package, sheet)
            if part is None:
                return [], set()
            data = package.read(part)
    except (zipfile.BadZipFile, KeyError, OSError):
        return [], set()  # the reader opened it; what it could not show cannot be shown here either
    if not any(mark in data for mark in _MARKS):
        return [], set()
    data = _marked_rows_only(data) or data
    from lxml import etree

    cells: list[tuple[int, int, object]] = []
    hidden: set[int] = set()
    row_number = 0
    for _, element in etree.iterparse(io.BytesIO(data), tag=f"{_MAIN_NS}row", huge_tree=True):
        row_number = int(element.get("r") or row_number + 1)
        if element.get("hidden") in ("1", "true"):
            hidden.add(row_number)
        column = -1
        for cell in element.iterchildren(f"{_MAIN_NS}c"):
            reference = cell.get("r")
            column = _column_index(reference) if reference else column + 1
            formula = cell.find(f"{_MAIN_NS}f")
            value = cell.find(f"{_MAIN_NS}v")
            if cell.get("t") == "e" and value is not None and value.text:
                cells.append((row_number, column, value.text))
            elif formula is not None and (value is None or (not value.text and cell.get("t") != "str")):
                # No cached value at all; an empty cached text result ("") was calculated and is kept.
                cells.append((row_number, column, CellError("=" + (formula.text or "(a shared formula)"))))
        element.clear()
    return cells, hidden


def _put_back(rows: list[Sequence[object]], cells: list[tuple[int, int, object]], hidden: set[int]) -> set[int]:
    """``cells`` (from :func:`_what_readers_hide`) in their places in ``rows``; the hidden rows."""
    for row_number, column, value in cells:
        _put(rows, row_number, column, value)
    return hidden


# What makes a row worth parsing: a formula, an error value, or a row hidden.
_MARKS = (b"<f", b't="e"', b"hidden=")
_ROW_NUMBERED = re.compile(rb'\sr="')


def _marks(data: bytes, start: int, end: int) -> list[int]:
    """Where a formula, an error value or a hidden row may be, in order (a byte search, not a parse)."""
    found = []
    for mark in _MARKS:
        position = data.find(mark, start, end)
        while position >= 0:
            found.append(position)
            position = data.find(mark, position + 1, end)
    return sorted(found)


def _marked_rows_only(data: bytes) -> bytes | None:
    """The sheet's XML cut down to the rows that hold a formula or an error or are hidden, so that a
    sheet of many rows with one error is not parsed cell by cell; ``None`` (parse it whole) unless the
    XML is in the plain form Excel, LibreOffice and openpyxl write (no prefixes, comments or CDATA, every
    such row numbered)."""
    if b"<![CDATA[" in data or b"<!--" in data:
        return None
    root = re.search(rb"<worksheet\b[^>]*>", data)
    body_start, body_end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    if root is None or body_start < 0 or body_end < 0:
        return None
    rows: list[bytes] = []
    covered = body_start
    for mark in _marks(data, body_start, body_end):
        if mark < covered:
            continue
        row_start = data.rfind(b"<row", covered, mark)
        tag_end = data.find(b">", row_start)
        if row_start < 0 or data[row_start + 4:row_start + 5] not in (b" ", b">", b"/") or not _ROW_NUMBERED.search(
                data, row_start, tag_end):
            return None
        covered = tag_end + 1 if data[tag_end - 1:tag_end] == b"/" else data.find(b"</row>", tag_end) + len(b"</row>")
        if covered <= tag_end:
            return None
        rows.append(data[row_start:covered])
    return root.group() + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


def _sheet_part(package: zipfile.ZipFile, sheet: str) -> str | None:
    from lxml import etree

    workbook = etree.fromstring(package.read("xl/workbook.xml"))
    relationships = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in relationships}
    for element in workbook.iter(f"{_MAIN_NS}sheet"):
        if element.get("name") == sheet:
            target = targets.get(element.get(f"{_REL_NS}id"))
            if target is None:
                return None
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _column_index(reference: str) -> int:
    """``C7`` -> 2."""
    index = 0
    for character in reference:
        if not character.isalpha():
            break
        index = index * 26 + ord(character.upper()) - 64
    return index - 1


def _put(rows: list[Sequence[object]], row_number: int, column: int, value: object) -> None:
    while len(rows) < row_number:
        rows.append([])
    row = list(rows[row_number - 1])
    row.extend([None] * (column + 1 - len(row)))
    row[column] = value
    rows[row_number - 1] = row


def _read_openpyxl(path: Path, sheet: str | None) -> tuple[str, list[Sequence[object]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise InputFileError(path, f"cannot be opened as a spreadsheet ({error}).") from None
    try:
        name = _pick_sheet(path, workbook.sheetnames, sheet)
        rows = list(workbook[name].iter_rows(min_row=1, values_only=True))
    finally:
        workbook.close()
    return name, rows


def _pick_sheet(path: Path, names: list[str], wanted: str | None) -> str:
    if not names:
        raise InputFileError(path, "has no sheets.")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    folded = {n.strip().lower(): n for n in names}
    if wanted.strip().lower() in folded:
        return folded[wanted.strip().lower()]
    raise InputFileError(path, f"has no sheet {wanted!r}; its sheets are {', '.join(map(repr, names))}.")


def csv_by_column(path: Path, required: Sequence[str]) -> Table | None:
    """The table :func:`_read_csv` and :func:`_table_from_rows` make, read by pandas' C parser into
    columns; ``None`` for whatever that parser reads differently or refuses (a row longer than the
    first, text that is not UTF-8, a NUL byte, an unclosed quote, title rows above the header), which
    the csv module then reads, or explains. A test compares the two readers on thousands of files."""
    import numpy as np

    from .columns import Distinct

    if not path.is_file():
        return None  # a pipe can be read once: the csv module reads it whole
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            top = "".join(itertools.islice(handle, _HEADER_SEARCH_ROWS * 2))
        if "\0" in top:
            return None
        import pandas as pd

        frame = pd.read_csv(path, sep=_sniff_delimiter(top, required), header=None, dtype=object, na_filter=False,
                            skip_blank_lines=False, encoding="utf-8-sig", engine="c")
    except Exception:  # pandas raises many types for what the csv module reads or reports by name
        return None
    columns = []
    for position in range(frame.shape[1]):
        codes, values = pd.factorize(frame.iloc[:, position].to_numpy(dtype=object))
        text = values.tolist()
        try:
            joined = "".join(text)  # every value is text (anything else would stop the join)
        except TypeError:
            return None
        # The csv module reads text whose line ends are made \n, within quotes too.
        if (codes < 0).any() or "\0" in joined or "\r" in joined:
            return None
        columns.append(Distinct(codes, text))
    del frame
    blank = np.ones(len(columns[0].codes) if columns else 0, dtype=bool)
    for column in columns:
        blank &= column.rows_with([not value or value.isspace() for value in column.values])
    filled = np.flatnonzero(~blank)
    if not len(filled):
        return None
    start = 0
    if required:
        wanted = set(required)
        for position, row in enumerate(filled[:_HEADER_SEARCH_ROWS].tolist()):
            if wanted <= {header_key(cell_text(column.values[column.codes[row]])) for column in columns}:
                start = position
                break
    if filled[start] != 0:
        return None  # title rows above the header: pandas took the width of the file from a title
    headers = [cell_text(column.values[column.codes[0]]) for column in columns]
    while headers and not headers[-1]:
        headers.pop()
    rows = filled[start + 1:]
    return Table(path=str(path), headers=headers, cells=[], row_numbers=(rows + 1).tolist(), sheet=None,
                 header_row=1, by_column=[column.subset(rows) for column in columns])
