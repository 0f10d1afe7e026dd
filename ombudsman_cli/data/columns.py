"""A table's columns as their distinct values, numbered per row (numpy): each check of an export looks
at a value once, however many rows hold it, and finds the rows it concerns with array operations.

Also the column-wise reading of a CSV file by pandas' C parser, the fast path for a large export.
Kept apart from :mod:`ombudsman_cli.data.reading` so that commands reading only small files (the
register, the contacts) do not load numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from numbers import Number
from pathlib import Path
from typing import Any

import numpy as np

from .reading import _HEADER_SEARCH_ROWS, Table, _sniff_delimiter
from .values import cell_text, header_key


@dataclass
class Distinct:
    """One column as its distinct cells (``values``, in no particular order) and, per row, the number of
    its cell among them (``codes``): each check then looks at a value once, however many rows hold it."""

    codes: np.ndarray
    values: list[Any]

    @classmethod
    def of(cls, cells: Sequence[object] | np.ndarray) -> Distinct:
        """Number the cells; text is the common case, other types are told apart by type (1, 1.0 and
        True are different cells)."""
        if sum(issubclass(kind, Number) for kind in set(map(type, cells))) <= 1:
            # Cells of different types are equal only between numbers (1 == 1.0 == True): without two
            # kinds of number, the cells compare as they should, and are numbered by dict lookups in C.
            return cls.of_keys(cells)
        numbers: dict[Hashable, int] = {}
        values: list[object] = []
        codes = []
        for cell in cells:
            key = cell if type(cell) is str else (type(cell), cell)
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(values)
                values.append(cell)
            codes.append(number)
        return cls(np.asarray(codes, dtype=np.intp), values)

    @classmethod
    def of_keys(cls, keys: Sequence[Hashable] | np.ndarray) -> Distinct:
        """Number keys that compare as they should by ``==``: text or ``None`` (numbered in order of first
        appearance), or an integer array (numbered in order of value, by numpy)."""
        if isinstance(keys, np.ndarray):
            if keys.dtype.kind in "iu":
                values, codes = np.unique(keys, return_inverse=True)
                return cls(codes.reshape(-1).astype(np.intp, copy=False), values.tolist())
            keys = keys.tolist()
        numbers = {key: number for number, key in enumerate(dict.fromkeys(keys))}
        codes = np.fromiter(map(numbers.__getitem__, keys), dtype=np.intp, count=len(keys))
        return cls(codes, list(numbers))

    @classmethod
    def blank(cls, count: int) -> Distinct:
        """A column the rows do not reach: every cell ``None``."""
        return cls(np.zeros(count, dtype=np.intp), [None])

    def value(self, index: int) -> Any:
        """The value of row ``index``."""
        return self.values[self.codes[index]]

    def every_row(self) -> np.ndarray:
        """The value of every row, as an object array."""
        return object_array(self.values)[self.codes]

    def map(self, function: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """``function`` of every row's value, called once per distinct value."""
        per_value = [function(value) for value in self.values]
        return (object_array(per_value) if dtype is object else np.asarray(per_value, dtype=dtype))[self.codes]

    def rows_where(self, test: Callable[[Any], Any]) -> np.ndarray:
        """A mask of the rows whose value passes ``test``."""
        return self.map(lambda value: bool(test(value)), bool)

    def rows_with(self, value_is: Sequence[bool]) -> np.ndarray:
        """A mask of the rows whose value is marked in ``value_is`` (one flag per value)."""
        return np.asarray(value_is, dtype=bool)[self.codes]

    def subset(self, rows: np.ndarray) -> Distinct:
        """The column's cells in ``rows`` only, numbered among the values those rows hold."""
        codes = self.codes[rows]
        used = np.bincount(codes, minlength=len(self.values)) > 0
        renumbered = np.cumsum(used) - 1
        return Distinct(renumbered[codes], [value for value, kept in zip(self.values, used.tolist()) if kept])

    def first_rows(self) -> np.ndarray:
        """For each value, the first row that holds it."""
        first = np.full(len(self.values), len(self.codes), dtype=np.intp)
        np.minimum.at(first, self.codes, np.arange(len(self.codes), dtype=np.intp))
        return first


def object_array(values: Sequence[object]) -> np.ndarray:
    """A one-dimensional object array of ``values`` (numpy would make tuples into a second dimension)."""
    return np.fromiter(values, dtype=object, count=len(values))


def csv_by_column(path: Path, required: Sequence[str]) -> Table | None:
    """The table :func:`_read_csv` and :func:`_table_from_rows` make, read by pandas' C parser into
    columns; ``None`` for whatever that parser reads differently or refuses (a row longer than the
    first, text that is not UTF-8, a NUL byte, an unclosed quote, title rows above the header), which
    the csv module then reads, or explains. A test compares the two readers on thousands of files."""
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
