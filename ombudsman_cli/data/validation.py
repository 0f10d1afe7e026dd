"""Turning a decisions export into checked records, and listing every problem with its row and column.

A row with a problem is never used silently: :func:`validate` returns the clean records together with
the problems, and the caller decides whether to stop (the default) or leave those rows out.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..errors import ExportHasProblems, InputFileError, MissingColumns, UnknownAuthority
from ..years import BusinessYear, business_year_of
from .columns import Distinct, object_array
from .reading import REQUIRED_COLUMNS, Engine, Table, bulk_allocation, read_export
from .register import Authority, Register, as_register
from .values import (
    DATE_EXPECTED,
    cell_error,
    cell_text,
    day_first_parts,
    enum_key,
    header_key,
    name_key,
    parse_date,
    printable,
    probable_column,
    reference_key,
)

if TYPE_CHECKING:
    import pandas as pd

UPHELD = "Upheld"
NOT_UPHELD = "Not upheld"
OUTCOMES: tuple[str, ...] = (
    UPHELD,
    NOT_UPHELD,
    "Closed after initial enquiries",
    "Incomplete/Invalid",
    "Advice given",
    "Referred back for local resolution",
)
COMPLIED = "complied"
NOT_COMPLIED = "not complied"

OPTIONAL_COLUMNS = (
    "authority_type",
    "category",
    "received_date",
    "satisfactory_remedy",
    "compliance",
    "compliance_date",
)
#: A council with fewer decisions than this in a year gets a warning (and, in letters, a note).
DEFAULT_FEW_CASES = 10

_OUTCOME_KEYS = {enum_key(o): o for o in OUTCOMES}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_COMPLIANCE_KEYS = {
    "complied": COMPLIED,
    "complied on time": COMPLIED,
    "complied late": COMPLIED,
    "not complied": NOT_COMPLIED,
}
#: Dates before this are not plausible in an export of the ombudsman's decisions.
EARLIEST_DATE = date(2000, 1, 1)
#: How far after today a date may be (a decision dated next month is a typing slip, not the future).
LATEST_AFTER_TODAY = timedelta(days=365)
# Unknown council names beyond this many distinct ones get no "did you mean": a hostile export of
# countless made-up names is still checked in seconds.
_SUGGESTION_LIMIT = 10_000
# Words too general to say which column a header meant on their own ("Date" could be any date).

#: What a :class:`Problem` is about: one row (``--skip-invalid`` can leave it out), a whole column or
#: the whole file (no row can be left out to mend it).
ROW, COLUMN, FILE = "row", "column", "file"
#: A warning about a council as a whole (fewer decisions in a year than few_cases): no row of its own.
COUNCIL = "council"
_REMEDY_EXPECTED = "yes or no"
_COMPLIANCE_EXPECTED = "complied, not complied, or blank while not yet known"

RECORD_COLUMNS = (
    "row",
    "reference",
    "authority",
    "code",
    "category",
    "received_date",
    "decision_date",
    "outcome",
    "satisfactory_remedy",
    "compliance",
    "compliance_date",
    "decision_year",
    "compliance_year",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the export, where a person would find it in the spreadsheet."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    expected: str | None = None
    #: The business year a warning is about, so that ``check --year`` lists only that year's.
    year: int | None = None
    #: :data:`ROW`, :data:`COLUMN`, :data:`FILE` or (a warning) :data:`COUNCIL`.
    kind: str = ROW

    def describe(self) -> str:
        """One line for a terminal: where, the value, what is wrong; export text shown escaped."""
        where = ", ".join(
            part
            for part in (
                printable(Path(self.file).name),
                f"row {self.row}" if self.row is not None else "",
                f"column {printable(self.column)}" if self.column else "",
            )
            if part
        )
        value = f"{printable(repr(self.value), 80)} " if self.value not in (None, "") else ""
        return f"{where}: {value}{printable(self.message)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "expected": self.expected,
            "year": self.year,
            "kind": self.kind,
        }


@dataclass
class Decisions:
    """A validated export: the usable records, and everything found wrong or worth a look.

    ``columns`` holds the records as numpy arrays, one per name of :data:`RECORD_COLUMNS` (a year of
    ``0`` where a record has none); ``records`` is the same as a pandas DataFrame, made when first asked
    for, so that commands which only count (letters, stats) never load pandas.
    """

    path: str
    rows: int
    columns: dict[str, np.ndarray]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    #: Headers of columns that are not read (the export may carry any others).
    ignored_columns: list[str] = field(default_factory=list)
    #: Date columns judged unusable as a whole (written month first): no figure or warning comes from them.
    unusable_columns: list[str] = field(default_factory=list)

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row is not None and p.kind == ROW})

    def require_valid(self, skip_invalid: bool = False) -> Decisions:
        """Raise :class:`ExportHasProblems` unless the export is sound, or ``skip_invalid`` is set and
        every problem is one row's (a problem with a column or the whole file cannot be left out)."""
        if self.problems and not skip_invalid:
            raise ExportHasProblems(self.path, self.problems)
        unskippable = [p for p in self.problems if p.kind != ROW]
        if unskippable:
            raise ExportHasProblems(self.path, unskippable, skippable=False)
        return self

    def warnings_in(self, year: BusinessYear | None) -> list[Problem]:
        """The warnings about ``year`` (all of them without one)."""
        if year is None:
            return self.warnings
        return [w for w in self.warnings if w.year in (None, year.end_year)]

    def years(self) -> list[int]:
        return sorted(set(self.columns["decision_year"].tolist()))

    @cached_property
    def records(self) -> pd.DataFrame:
        """The records as a DataFrame: :data:`RECORD_COLUMNS`, one row per usable decision, the
        compliance year a nullable integer."""
        import pandas as pd

        columns = dict(self.columns)
        compliance_year = columns["compliance_year"]
        columns["compliance_year"] = pd.arrays.IntegerArray(compliance_year, compliance_year == 0)
        return pd.DataFrame(columns, columns=list(RECORD_COLUMNS))


def load_decisions(
    path: str | Path,
    register: Register | str | Path | None = None,
    sheet: str | None = None,
    engine: Engine = "calamine",
    few_cases: int = DEFAULT_FEW_CASES,
    today: date | None = None,
) -> Decisions:
    """Read and validate a decisions export (``.xlsx``, ``.ods`` or UTF-8 ``.csv``) against ``register``
    (a :class:`Register`, a register file's path, or ``None`` for the bundled one)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected the export's path (a str or Path), not {type(path).__name__}")
    register = as_register(register)
    return validate(read_export(path, sheet, engine), register, few_cases=few_cases, today=today)


def validate(table: Table, register: Register | str | Path | None = None, few_cases: int = DEFAULT_FEW_CASES,
             today: date | None = None) -> Decisions:
    """Check every row of ``table`` against the export contract and the register.

    ``today`` (default: the clock's) bounds plausible dates: none more than a year after it.
    """
    register = as_register(register)
    with bulk_allocation():
        return _Validator(table, register, today or date.today()).run(few_cases)


class _Validator:
    def __init__(self, table: Table, register: Register, today: date) -> None:
        self.table = table
        self.register = register
        self.latest_date = today + LATEST_AFTER_TODAY
        self.count = len(table)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.bad = np.zeros(self.count, dtype=bool)  # the data rows with a problem
        self.ignored: list[str] = []
        self.headers = self._map_headers()
        self.month_first: set[str] = set()

    # -- columns ---------------------------------------------------------------------------------

    def _map_headers(self) -> dict[str, int]:
        found: dict[str, int] = {}
        where = f"row {self.table.header_row}"
        for index, header in enumerate(self.table.headers):
            key = header_key(header)
            if key in REQUIRED_COLUMNS or key in OPTIONAL_COLUMNS:
                if key in found:
                    raise InputFileError(
                        self.table.path,
                        f"{where}: columns {printable(self.table.headers[found[key]])!r} and {printable(header)!r} "
                        f"both mean {key}; keep one of them.",
                    )
                found[key] = index
        missing = [c for c in REQUIRED_COLUMNS if c not in found]
        if missing:
            hints = []
            for column in missing:
                close = difflib.get_close_matches(column, [header_key(h) for h in self.table.headers], n=1)
                if close:
                    original = next(h for h in self.table.headers if header_key(h) == close[0])
                    hints.append(f" (is {printable(original)!r} meant to be {column}?)")
            sheet = ""
            if self.table.other_sheets:
                others = ", ".join(repr(o) for o in self.table.other_sheets)
                sheet = (f" Sheet {self.table.sheet!r} was read; the workbook's sheet {others} has the columns: "
                         f"pass --sheet {printable(self.table.other_sheets[0])!r} (or set [files] sheet).")
            raise MissingColumns(
                self.table.path,
                missing,
                self.table.header_row,
                f"{where}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found"
                f"{''.join(hints)}. The columns found are: "
                f"{', '.join(repr(printable(h, 40)) for h in self.table.headers) or 'none'}. "
                f"An export needs {', '.join(REQUIRED_COLUMNS)}; header case, spaces, hyphens and "
                f"underscores do not matter.{sheet}",
            )
        absent = [c for c in OPTIONAL_COLUMNS if c not in found]
        for index, header in enumerate(self.table.headers):
            if index in found.values() or not header.strip():
                continue
            self.ignored.append(header)
            meant = probable_column(header_key(header), absent)
            if meant:
                self.problems.append(Problem(
                    self.table.path, self.table.header_row, header, header,
                    f"is not a column ombudsman reads, so it would be ignored, and it looks like {meant}, "
                    f"which the export does not have. Rename the header to {meant} (or, if it holds "
                    "something else, to a name that does not look like it)",
                    meant, kind=COLUMN,
                ))
        return found

    def distinct(self, column: str) -> Distinct:
        """The column's distinct cells and each row's number among them; all ``None`` without the column."""
        if column not in self.headers:
            return Distinct.blank(self.count)
        return self.table.distinct(self.headers[column])

    def cell(self, column: str, index: int) -> object:
        """The raw cell of ``column`` in data row ``index``."""
        return self.distinct(column).value(index)

    def header(self, column: str) -> str:
        return self.table.headers[self.headers[column]] if column in self.headers else column

    # -- problems --------------------------------------------------------------------------------

    def _problem(self, index: int | None, column: str, value: object, message: str, expected: str | None) -> Problem:
        row = self.table.row_numbers[index] if index is not None else None
        # A blank cell is "", whether it holds nothing, spaces, or a row was cut short before it.
        return Problem(self.table.path, row, self.header(column), cell_text(value), message, expected)

    def error(self, index: int, column: str, value: object, message: str, expected: str | None = None) -> None:
        self.problems.append(self._problem(index, column, value, message, expected))
        self.bad[index] = True

    def warn(self, index: int, column: str, value: object, message: str, year: int) -> None:
        self.warnings.append(replace(self._problem(index, column, value, message, None), year=year))

    def parse_column(
        self, column: str, parse: Callable[[object], Any], expected: str, required: bool = False
    ) -> Distinct:
        """Parse every distinct cell of a column once; blank cells are ``None``.

        A spreadsheet error or an uncalculated formula is a problem in any column that is read.
        """
        column_cells = self.distinct(column)
        values: list[Any] = []
        messages: list[str | None] = []
        blank = "is blank; every decision needs one" if required else None
        for cell in column_cells.values:
            text = cell.strip() if type(cell) is str else cell_text(cell)
            # Text is the common case: only text starting "#" or "E" can be a spreadsheet error.
            spreadsheet_error = cell_error(cell) if type(cell) is not str or cell[:1] in "#E" else None
            if spreadsheet_error:
                values.append(None)
                messages.append(spreadsheet_error)
            elif not text:
                values.append(None)
                messages.append(blank)
            elif parse is cell_text:
                values.append(text)
                messages.append(None)
            else:
                try:
                    values.append(parse(cell))
                    messages.append(None)
                except ValueError as error:
                    values.append(None)
                    messages.append(str(error))
        if any(messages):
            # A column written month first is one problem for the column, said once (see check_month_first).
            said = [bool(m) and column in self.month_first and _only_month_first(cell)
                    for m, cell in zip(messages, column_cells.values)]
            self.bad |= column_cells.rows_with(said)
            for index in np.flatnonzero(column_cells.rows_with([bool(m) and not s for m, s in zip(messages, said)])).tolist():
                self.error(index, column, column_cells.value(index), cast(str, messages[column_cells.codes[index]]),
                           expected)
        return Distinct(column_cells.codes, values)

    def plausible_date(self, value: object) -> date:
        """A date as :func:`parse_date` reads it, refused when it is far outside any export's years."""
        day = parse_date(value)
        if day < EARLIEST_DATE:
            raise ValueError(
                f"is {day:%d/%m/%Y}, before {EARLIEST_DATE.year}: not a plausible date in this export "
                "(a two-digit year from 30 to 99 is read as 19xx, as spreadsheets do); "
                f"expected {DATE_EXPECTED}"
            )
        if day > self.latest_date:
            raise ValueError(
                f"is {day:%d/%m/%Y}, more than a year after today: not a plausible date in this export; "
                f"expected {DATE_EXPECTED}"
            )
        return day

    def check_month_first(self, column: str) -> None:
        """One problem for a column whose text dates only make sense month first (some rows cannot be
        read day first, none cannot be read month first): read day first, the rest would be counted
        in the wrong months, so no row of it can be trusted, and ``--skip-invalid`` cannot help."""
        if column not in self.headers:
            return
        column_cells = self.distinct(column)
        parts = [day_first_parts(c) if type(c) is str else None for c in column_cells.values]
        only_month_first = [p is not None and p[0] <= 12 < p[1] <= 31 for p in parts]
        if not any(only_month_first) or any(p is not None and p[1] <= 12 < p[0] for p in parts):
            return
        self.month_first.add(column)
        rows = np.flatnonzero(column_cells.rows_with(only_month_first))
        first = int(rows[0])
        self.problems.append(replace(
            self._problem(first, column, self.cell(column, first),
                          f"and {len(rows) - 1:,} other rows of this column cannot be dates read day first, and "
                          "no row of it needs day first: the column is written month first (US order). Read day "
                          "first, its other dates would fall in the wrong months, so none is used. Save the "
                          "column as real dates, as ISO text (2020-03-31) or day first (31/03/2020)",
                          "dates written day first, or real spreadsheet dates"),
            kind=COLUMN,
        ))

    # -- the checks ------------------------------------------------------------------------------

    def run(self, few_cases: int) -> Decisions:
        if not self.count:
            self.problems.append(Problem(
                self.table.path, None, None, None,
                f"has a header (row {self.table.header_row}) but no decisions below it; export the decisions "
                "again", "one row per decision", kind=FILE,
            ))
        references = self.parse_column("reference", cell_text, "the case reference, e.g. 19 004 512", True)
        self._check_duplicates(references)
        for column in ("decision_date", "received_date", "compliance_date"):
            self.check_month_first(column)
        decided = self.parse_column("decision_date", self.plausible_date, DATE_EXPECTED, True)
        received = self.parse_column("received_date", self.plausible_date, DATE_EXPECTED)
        unusable = self.month_first  # read day first, their dates are wrong: nothing is judged from them
        if unusable & {"received_date", "decision_date"}:
            received = Distinct.blank(self.count)
        decided_days, received_days = decided.map(_day_number, np.int64), received.map(_day_number, np.int64)
        for index in np.flatnonzero((received_days >= 0) & (decided_days >= 0) & (decided_days < received_days)).tolist():
            got = received.value(index)
            self.error(
                index, "decision_date", self.cell("decision_date", index),
                f"is before the complaint was received ({got:%d/%m/%Y}, column {self.header('received_date')});"
                " one of the two dates is wrong",
                f"a decision date on or after {got:%d/%m/%Y}",
            )
        outcomes = self.parse_column("outcome", _parse_outcome, "one of: " + ", ".join(OUTCOMES), True)
        authorities = self._authorities(decided)
        self._check_types(authorities)
        remedies = self.parse_column("satisfactory_remedy", _parse_yes_no, _REMEDY_EXPECTED)
        compliance = self.parse_column("compliance", _parse_compliance, _COMPLIANCE_EXPECTED)
        compliance_dates = self.parse_column("compliance_date", self.plausible_date, DATE_EXPECTED)
        categories = self.parse_column("category", cell_text, "a service area, or blank")
        # Columns only an upheld complaint may fill: what they record on one, and what is expected otherwise.
        decided_other = outcomes.rows_where(lambda outcome: outcome is not None and outcome != UPHELD)
        only_upheld = [
            (column, decided_other & values.rows_where(bool), rule, expected)
            for column, values, rule, expected in (
                ("satisfactory_remedy", remedies, "a satisfactory remedy is only recorded on an upheld complaint",
                 "no or blank unless the outcome is Upheld"),
                ("compliance", compliance, "compliance is only recorded on an upheld complaint with recommendations",
                 "blank unless the outcome is Upheld"),
            )
        ]
        for index in np.flatnonzero(np.logical_or.reduce([given for _, given, _, _ in only_upheld])).tolist():
            for column, given, rule, expected in only_upheld:
                if given[index]:
                    self.error(index, column, self.cell(column, index),
                               f"is given on a decision whose outcome is {outcomes.value(index)!r}; {rule}", expected)
        compliance_days = compliance_dates.map(_day_number, np.int64)
        if not unusable & {"compliance_date", "decision_date"}:
            usable = (compliance_days >= 0) & ~self.bad
            without_outcome = usable & compliance.rows_where(lambda outcome: outcome is None)
            # Odd rather than wrong by the contract: a warning, since it decides the outcome's year.
            before_decision = usable & ~without_outcome & (decided_days >= 0) & (compliance_days < decided_days)
            for index in np.flatnonzero(without_outcome | before_decision).tolist():
                recorded = compliance_dates.value(index)
                if without_outcome[index]:
                    message = "has no compliance outcome beside it, so it is not used"
                else:
                    message = (f"is before the decision ({decided.value(index):%d/%m/%Y}); the compliance outcome is "
                               f"counted in {BusinessYear(business_year_of(recorded)).label} all the same")
                self.warn(index, "compliance_date", self.cell("compliance_date", index), message,
                          business_year_of(recorded))
        if "decision_date" not in unusable:
            self._warn_about_dates(authorities, decided, decided_days)

        keep = np.flatnonzero(~self.bad)
        kept = authorities.codes[keep]  # a kept row has its authority
        has_compliance = compliance.rows_where(bool)
        compliance_recorded = compliance_dates.every_row()
        compliance_recorded[~has_compliance] = None  # a date without an outcome is not used
        decision_year = decided.map(_year_number, np.int64)
        # A compliance outcome counts in the year of its date, or of the decision without one.
        compliance_year = np.where(compliance_days >= 0, compliance_dates.map(_year_number, np.int64), decision_year)
        columns = {
            "row": np.asarray(self.table.row_numbers, dtype=np.int64)[keep],
            "reference": references.every_row()[keep],
            "authority": object_array([a.name if a else "" for a in authorities.values])[kept],
            "code": object_array([a.code if a else "" for a in authorities.values])[kept],
            "category": categories.map(lambda category: category or "")[keep],
            "received_date": received.every_row()[keep],
            "decision_date": decided.every_row()[keep],
            "outcome": outcomes.every_row()[keep],
            "satisfactory_remedy": (remedies.rows_where(bool) & outcomes.rows_where(lambda o: o == UPHELD))[keep],
            "compliance": compliance.every_row()[keep],
            "compliance_date": compliance_recorded[keep],
            "decision_year": decision_year[keep],
            "compliance_year": np.where(has_compliance, compliance_year, 0)[keep],
        }
        if "decision_date" not in unusable:
            self._warn_about_few_cases(columns, few_cases)
        self._warn_about_the_workbook()
        self.problems.sort(key=lambda p: (p.kind == ROW, p.row or 0))
        return Decisions(self.table.path, self.count, columns, self.problems, self.warnings, self.table.sheet,
                         self.ignored, sorted(unusable))

    def _warn_about_the_workbook(self) -> None:
        """What a person looking at the sheet does not see: hidden rows, and other sheets like it."""
        hidden = self.table.hidden_rows
        if hidden:
            shown = ", ".join(map(str, hidden[:20])) + (", ..." if len(hidden) > 20 else "")
            self.warnings.append(Problem(
                self.table.path, hidden[0], None, None,
                f"{len(hidden):,} row{'s are' if len(hidden) != 1 else ' is'} hidden in the workbook (row"
                f"{'s' if len(hidden) != 1 else ''} {shown}); hidden rows are read and counted like the others: "
                "unhide them to see what is counted, or delete them if they should not be",
            ))
        if self.table.other_sheets:
            others = ", ".join(repr(printable(o)) for o in self.table.other_sheets)
            self.warnings.append(Problem(
                self.table.path, None, None, None,
                f"only sheet {printable(self.table.sheet or '')!r} was read, and sheet{'s' if len(self.table.other_sheets) > 1 else ''} "
                f"{others} of the workbook {'have' if len(self.table.other_sheets) > 1 else 'has'} the export's "
                "columns too; its decisions are not counted. Pass --sheet NAME to read another sheet, or put "
                "every decision on one sheet",
            ))

    def _check_duplicates(self, references: Distinct) -> None:
        keys_of_values = [None if reference is None else reference_key(reference) for reference in references.values]
        if None not in keys_of_values and len(set(keys_of_values)) == len(keys_of_values) == self.count:
            return  # every row's reference its own (the common case, known without numbering them)
        keyed = Distinct.of_keys(keys_of_values)  # each distinct reference numbered by its key
        keys = Distinct(keyed.codes[references.codes], keyed.values)
        first_rows = keys.first_rows()
        repeated = (keys.rows_with([key is not None for key in keys.values])
                    & (first_rows[keys.codes] < np.arange(self.count)))
        for index in np.flatnonzero(repeated).tolist():
            first = self.table.row_numbers[first_rows[keys.codes[index]]]
            self.error(
                index, "reference", references.value(index),
                f"is also the reference on row {first}; each decision must appear once",
                "a reference not used on any other row",
            )

    def _authorities(self, decided: Distinct) -> Distinct:
        """Each row's authority (``None`` where it has a problem)."""
        cells = self.distinct("authority")
        found: list[Authority | UnknownAuthority | str | None] = [None] * len(cells.values)
        unknown = 0
        # In the order of the rows, so that suggestions go to the first ones.
        for number in np.argsort(cells.first_rows(), kind="stable").tolist():
            cell = cells.values[number]
            text = cell_text(cell)
            error_cell = cell_error(cell)
            if not text:
                continue
            if error_cell:
                found[number] = error_cell
                continue
            try:
                found[number] = self.register.find(text, suggest=unknown < _SUGGESTION_LIMIT)
            except UnknownAuthority as error:
                found[number] = error
                unknown += 1
        authorities = Distinct(cells.codes.copy(), list(found))
        for index in np.flatnonzero(~authorities.rows_where(lambda match: isinstance(match, Authority))).tolist():
            cell, match = cells.value(index), authorities.value(index)
            if isinstance(match, str):
                self.error(index, "authority", cell, match, "the authority's official name or GSS code")
            elif match is None:
                self.error(index, "authority", cell, "is blank; every decision names the authority complained about",
                           "the authority's official name or GSS code")
            else:
                if match.ambiguous and decided.value(index):
                    # One name, several authorities: the one that existed on the day may settle it.
                    try:
                        settled = self.register.find(cell_text(cell), on=decided.value(index))
                        authorities.codes[index] = len(authorities.values)
                        authorities.values.append(settled)
                        continue
                    except UnknownAuthority as error:
                        match = error
                self.error(index, "authority", cell, str(match), "the authority's official name or GSS code")
        return Distinct(authorities.codes, [a if isinstance(a, Authority) else None for a in authorities.values])

    def _check_types(self, authorities: Distinct) -> None:
        if "authority_type" not in self.headers:
            return
        types = self.distinct("authority_type")
        pairs = Distinct.of_keys(authorities.codes * len(types.values) + types.codes)
        verdicts: list[tuple[str, str] | None] = []
        for pair in cast(list[int], pairs.values):
            authority: Authority | None = authorities.values[pair // len(types.values)]
            cell = types.values[pair % len(types.values)]
            expected = authority.group or authority.type_code if authority else ""
            error_cell = cell_error(cell)
            given = name_key(cell_text(cell))
            if authority is None or (not error_cell and (not given or given in authority.accepted_type_keys())):
                verdicts.append(None)
            elif error_cell:
                verdicts.append((error_cell, expected))
            else:
                register_says = f"a {authority.group} ({authority.type_code})" if authority.group else authority.type_code
                verdicts.append((f"disagrees with the register, which has {authority.name} as {register_says};"
                                 " correct the type or the authority", expected))
        for index in np.flatnonzero(pairs.rows_with([verdict is not None for verdict in verdicts])).tolist():
            message, expected = cast(tuple[str, str], verdicts[pairs.codes[index]])
            self.error(index, "authority_type", types.value(index), message, expected)

    def _warn_about_dates(self, authorities: Distinct, decided: Distinct, made: np.ndarray) -> None:
        """Decisions dated after their authority was abolished, or before it existed (``made``: each row's
        decision date as :func:`_day_number` gives it)."""
        dated = (made >= 0) & ~self.bad & authorities.rows_where(lambda authority: authority is not None)
        last_day = authorities.map(lambda a: _day_number(a.last_day or date.max) if a else 0, np.int64)
        first_day = authorities.map(lambda a: _day_number(a.start) if a and a.start else -1, np.int64)
        after_end = dated & (made > last_day)
        before_start = dated & ~after_end & (made < first_day)
        for index in np.flatnonzero(after_end | before_start).tolist():
            authority, day = authorities.value(index), decided.value(index)
            if after_end[index]:
                message = (f"is after {authority.name} was abolished (its last day {authority.last_day:%d/%m/%Y}); "
                           "counted for it, and in its group's average, all the same")
            else:
                message = (f"is before {authority.name} existed (from {authority.start:%d/%m/%Y}); "
                           "counted for it, and in its group's average, all the same")
            self.warn(index, "decision_date", self.cell("decision_date", index), message, business_year_of(day))

    def _warn_about_few_cases(self, columns: dict[str, np.ndarray], few_cases: int) -> None:
        counts = Counter(zip(columns["decision_year"].tolist(), columns["authority"].tolist()))
        for (year, authority), count in sorted(counts.items()):
            if count < few_cases:
                self.warnings.append(
                    Problem(
                        self.table.path, None, self.header("authority"), authority,
                        f"has only {count} decision{'s' if count != 1 else ''} in "
                        f"{BusinessYear(year).label}; its rates rest on very few cases",
                        year=year, kind=COUNCIL, expected=str(count),
                    )
                )


def _day_number(day: date | None) -> int:
    """A date as a number that compares as dates do; -1 for none."""
    return day.toordinal() if day is not None else -1


def _year_number(day: date | None) -> int:
    """The business year a date falls in; 0 for none."""
    return business_year_of(day) if day is not None else 0


def _only_month_first(value: object) -> bool:
    parts = day_first_parts(value)
    return parts is not None and parts[0] <= 12 < parts[1] <= 31


def _parse_outcome(value: object) -> str:
    outcome = _OUTCOME_KEYS.get(enum_key(value))
    if outcome is None:
        raise ValueError("is not an outcome; expected one of: " + ", ".join(OUTCOMES))
    return outcome


def _parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = enum_key(value)
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"is neither yes nor no; expected {_REMEDY_EXPECTED}")


def _parse_compliance(value: object) -> str:
    outcome = _COMPLIANCE_KEYS.get(enum_key(value))
    if outcome is None:
        raise ValueError(f"is not a compliance outcome; expected {_COMPLIANCE_EXPECTED}")
    return outcome


def summarise(decisions: Decisions, year: BusinessYear | None = None, register: Register | None = None) -> dict[str, Any]:
    """Rows, business years, authorities and outcome counts: what ``ombudsman check`` reports.

    For one year and with the register, also the councils active then that have no decision in the
    export, which is how a truncated export shows itself.
    """
    columns = decisions.columns
    in_year = np.ones(len(columns["code"]), dtype=bool)
    dated = "decision_date" not in decisions.unusable_columns
    if year is not None and dated:
        in_year = columns["decision_year"] == year.end_year
    present = set(columns["code"][in_year].tolist())
    silent: list[str] | None = None
    if year is not None and dated and register is not None:
        silent = [a.name for a in register.active_in(year) if a.group and a.code not in present]
    by_year = Counter(columns["decision_year"][in_year].tolist())
    outcomes = Counter(columns["outcome"][in_year].tolist())
    return {
        "file": decisions.path,
        "sheet": decisions.sheet,
        "rows": decisions.rows,
        "valid_rows": decisions.rows - len(decisions.invalid_rows),
        "year": year.end_year if year else None,
        "decisions": int(in_year.sum()),
        # Business years come from the decision dates: none are counted from a column that cannot be used.
        "years": {BusinessYear(y).label: n for y, n in sorted(by_year.items())} if dated else None,
        "authorities": len(present),
        "outcomes": {o: outcomes[o] for o in OUTCOMES},
        "councils_without_decisions": silent,
        "ignored_columns": decisions.ignored_columns,
        "unusable_columns": decisions.unusable_columns,
    }


def describe_skipped(decisions: Decisions) -> str:
    """One line saying how many rows ``--skip-invalid`` left out, and why."""
    rows = decisions.invalid_rows
    reasons = Counter(p.column for p in decisions.problems)
    why = ", ".join(f"{n} in {column}" for column, n in reasons.most_common())
    shown = ", ".join(map(str, rows[:20])) + (", ..." if len(rows) > 20 else "")
    return (
        f"Left out {len(rows)} of {decisions.rows} rows of {Path(decisions.path).name} with problems "
        f"({why}): row{'s' if len(rows) != 1 else ''} {shown}. Run 'ombudsman check' for details."
    )
