"""Reading a table (CSV, ``.xlsx``, ``.ods``) into headers and rows, with the row numbers a spreadsheet shows.

Nothing here interprets values; :mod:`ombudsman_cli.validation` does that. Two readers exist for
workbooks: python-calamine (fast, the default) and openpyxl (the fallback); the validated result is the
same whichever runs, because every cell goes through :func:`ombudsman_cli.values.cell_text` or
:func:`ombudsman_cli.values.parse_date`, which treat their differing types (``1.0`` versus ``1``,
``date`` versus ``datetime``) alike.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import InputFileError
from .values import cell_text, header_key

Engine = Literal["calamine", "openpyxl"]
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)


@dataclass
class Table:
    """The header row and the data rows of one sheet.

    ``row_numbers[i]`` is the spreadsheet row number of ``cells[i]`` (the header is row 1 in a
    well-formed export, so the first data row is row 2). Wholly blank rows are not in ``cells``.
    """

    path: str
    headers: list[str]
    cells: list[Sequence[object]]
    row_numbers: list[int]
    sheet: str | None = None
    header_row: int = 1

    def rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        return zip(self.row_numbers, self.cells)

    def columns(self, wanted: dict[str, int]) -> dict[str, Sequence[object]]:
        """Raw cells by column (name -> index in ``wanted``); ``None`` where a short row has no cell."""
        if not self.cells:
            return {name: [] for name in wanted}
        transposed = list(itertools.zip_longest(*self.cells))
        return {name: transposed[index] if index < len(transposed) else [None] * len(self.cells)
                for name, index in wanted.items()}


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cycle collector while millions of cells are made: they form no cycles, and its passes
    over them would cost more than the reading itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_table(
    path: str | Path, sheet: str | None = None, engine: Engine = "calamine", required: Sequence[str] = ()
) -> Table:
    """Read the first sheet (or ``sheet``) of a workbook, or a UTF-8 CSV file, into a :class:`Table`.

    The header is the first non-blank row, or, where title rows stand above it, the first of the top
    rows that holds every ``required`` column (compared as :func:`header_key` makes them).
    """
    with bulk_allocation():
        return _read_table(Path(path), sheet, engine, required)


def _read_table(path: Path, sheet: str | None, engine: Engine, required: Sequence[str]) -> Table:
    if not path.exists():
        raise InputFileError(path, "no such file. Check the path, or set it in ombudsman.toml.")
    if path.is_dir():
        raise InputFileError(path, "is a folder; give the export file inside it.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _read_csv(path)
        sheet = None
    elif suffix in WORKBOOK_SUFFIXES:
        if engine == "openpyxl" and suffix in (".xlsx", ".xlsm"):
            sheet, raw_rows = _read_openpyxl(path, sheet)
        else:
            sheet, raw_rows = _read_calamine(path, sheet)
    else:
        raise InputFileError(
            path, f"cannot read {suffix or 'a file without a suffix'}; save it as {', '.join(SUFFIXES)}."
        )
    return _table_from_rows(path, raw_rows, sheet, required)


def _is_blank(row: Sequence[object]) -> bool:
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


def _read_csv(path: Path) -> list[Sequence[object]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            path,
            f"is not UTF-8 text (byte {error.start} cannot be read). "
            "In Excel use File > Save As > 'CSV UTF-8 (Comma delimited)'.",
        ) from None
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales saves "CSV" with semicolons; tabs come from copy and paste.
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputFileError(path, f"is not a readable CSV file ({error}).") from None


def _read_calamine(path: Path, sheet: str | None) -> tuple[str, list[Sequence[object]]]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several unrelated types for a damaged file
        raise InputFileError(path, f"cannot be opened as a spreadsheet ({error}).") from None
    name = _pick_sheet(path, workbook.sheet_names, sheet)
    try:
        rows: list[Sequence[object]] = list(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
    except Exception as error:
        raise InputFileError(path, f"sheet {name!r} cannot be read ({error}).") from None
    finally:
        workbook.close()
    return name, rows


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
