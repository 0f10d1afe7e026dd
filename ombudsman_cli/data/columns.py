"""A table's columns as their distinct values, numbered per row (numpy): each check of an export looks
at a value once, however many rows hold it, and finds the rows it concerns with array operations.

Kept apart from :mod:`ombudsman_cli.data.reading`, which uses it and which this module does not import,
so that commands reading only small files (the register, the contacts) do not load numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from numbers import Number
from typing import Any

import numpy as np


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
