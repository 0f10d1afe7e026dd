"""Turning a decisions export into checked records, and listing every problem with its row and column.

A row with a problem is never used silently: :func:`validate` returns the clean records together with
the problems, and the caller decides whether to stop (the default) or leave those rows out.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pandas as pd

from ..errors import ExportHasProblems, InputFileError, MissingColumns, UnknownAuthority
from ..years import BusinessYear, business_year_of
from .reading import Engine, Table, bulk_allocation, read_table
from .register import Authority, Register
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

REQUIRED_COLUMNS = ("reference", "authority", "decision_date", "outcome")
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
    #: :data:`ROW`, :data:`COLUMN` or :data:`FILE`.
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
    """A validated export: the usable records, and everything found wrong or worth a look."""

    path: str
    rows: int
    records: pd.DataFrame
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
        return sorted(int(y) for y in self.records["decision_year"].unique())


def load_decisions(
    path: str | Path,
    register: Register,
    sheet: str | None = None,
    engine: Engine = "calamine",
    few_cases: int = DEFAULT_FEW_CASES,
    today: date | None = None,
) -> Decisions:
    """Read and validate a decisions export (``.xlsx``, ``.ods`` or UTF-8 ``.csv``)."""
    table = read_table(path, sheet=sheet, engine=engine, required=REQUIRED_COLUMNS)
    return validate(table, register, few_cases=few_cases, today=today)


def validate(table: Table, register: Register, few_cases: int = DEFAULT_FEW_CASES,
             today: date | None = None) -> Decisions:
    """Check every row of ``table`` against the export contract and the register.

    ``today`` (default: the clock's) bounds plausible dates: none more than a year after it.
    """
    with bulk_allocation():
        return _Validator(table, register, today or date.today()).run(few_cases)


class _Validator:
    def __init__(self, table: Table, register: Register, today: date) -> None:
        self.table = table
        self.register = register
        self.latest_date = today + LATEST_AFTER_TODAY
        self.count = len(table.cells)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.bad: set[int] = set()  # indexes into table.cells
        self.ignored: list[str] = []
        self.headers = self._map_headers()
        self.columns = table.columns(self.headers)
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

    def raw(self, column: str) -> Sequence[object]:
        return self.columns.get(column) or [None] * self.count

    def header(self, column: str) -> str:
        return self.table.headers[self.headers[column]] if column in self.headers else column

    # -- problems --------------------------------------------------------------------------------

    def _problem(self, index: int | None, column: str, value: object, message: str, expected: str | None) -> Problem:
        row = self.table.row_numbers[index] if index is not None else None
        text = cell_text(value) if value is not None else None
        return Problem(self.table.path, row, self.header(column), text, message, expected)

    def error(self, index: int, column: str, value: object, message: str, expected: str | None = None) -> None:
        self.problems.append(self._problem(index, column, value, message, expected))
        self.bad.add(index)

    def warn(self, index: int, column: str, value: object, message: str, year: int) -> None:
        self.warnings.append(replace(self._problem(index, column, value, message, None), year=year))

    def parse_column(
        self, column: str, parse: Callable[[object], Any], expected: str, required: bool = False
    ) -> list[Any]:
        """Parse every cell of a column, once per distinct value; blank cells are ``None``.

        A spreadsheet error or an uncalculated formula is a problem in any column that is read.
        """
        cells = self.raw(column)
        # Text is the common case; other types are keyed with their type so that 1 and True differ.
        keys: list[Hashable] = [c if type(c) is str else (type(c), c) for c in cells]
        first_cell: dict[Hashable, object] = dict(zip(keys, cells))
        parsed: dict[Hashable, tuple[Any, str | None]] = {}
        for key, cell in first_cell.items():
            spreadsheet_error = cell_error(cell)
            if spreadsheet_error:
                parsed[key] = (None, spreadsheet_error)
                continue
            if cell is None or cell_text(cell) == "":
                parsed[key] = (None, "is blank; every decision needs one" if required else None)
                continue
            try:
                parsed[key] = (parse(cell), None)
            except ValueError as error:
                parsed[key] = (None, str(error))
        bad = {key: message for key, (_, message) in parsed.items() if message}
        if bad:
            # A column written month first is one problem for the column, said once (see _month_first).
            said_for_column = {key for key in bad if column in self.month_first and _only_month_first(first_cell[key])}
            for index, key in enumerate(keys):
                if key in said_for_column:
                    self.bad.add(index)
                elif key in bad:
                    self.error(index, column, cells[index], bad[key], expected)
        return [parsed[key][0] for key in keys]

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
        cells = self.raw(column)
        parts = {c: day_first_parts(c) for c in set(c for c in cells if type(c) is str)}
        only_month_first = [c for c, p in parts.items() if p and p[0] <= 12 < p[1] <= 31]
        only_day_first = [c for c, p in parts.items() if p and p[1] <= 12 < p[0]]
        if not only_month_first or only_day_first:
            return
        self.month_first.add(column)
        rows = [i for i, c in enumerate(cells) if c in set(only_month_first)]
        first = rows[0]
        self.problems.append(replace(
            self._problem(first, column, cells[first],
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
            received = [None] * self.count
        for index, (got, made) in enumerate(zip(received, decided)):
            if got and made and made < got:
                self.error(
                    index, "decision_date", self.raw("decision_date")[index],
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
        categories = [c or "" for c in self.parse_column("category", cell_text, "a service area, or blank")]
        # Columns only an upheld complaint may fill: what they record on one, and what is expected otherwise.
        only_upheld = (
            ("satisfactory_remedy", remedies, "a satisfactory remedy is only recorded on an upheld complaint",
             "no or blank unless the outcome is Upheld"),
            ("compliance", compliance, "compliance is only recorded on an upheld complaint with recommendations",
             "blank unless the outcome is Upheld"),
        )
        for index, outcome in enumerate(outcomes):
            if outcome is None or outcome == UPHELD:
                continue
            for column, values, rule, expected in only_upheld:
                if values[index]:
                    self.error(index, column, self.raw(column)[index],
                               f"is given on a decision whose outcome is {outcome!r}; {rule}", expected)
        for index, (outcome_of_compliance, recorded, made) in enumerate(zip(compliance, compliance_dates, decided)):
            if recorded is None or unusable & {"compliance_date", "decision_date"}:
                continue
            if outcome_of_compliance is None and index not in self.bad:
                self.warn(
                    index, "compliance_date", self.raw("compliance_date")[index],
                    "has no compliance outcome beside it, so it is not used",
                    business_year_of(recorded),
                )
            elif made and recorded < made and index not in self.bad:
                # Odd rather than wrong by the contract: a warning, since it decides the outcome's year.
                self.warn(
                    index, "compliance_date", self.raw("compliance_date")[index],
                    f"is before the decision ({made:%d/%m/%Y}); the compliance outcome is counted in "
                    f"{BusinessYear(business_year_of(recorded)).label} all the same",
                    business_year_of(recorded),
                )
        if "decision_date" not in unusable:
            self._warn_about_dates(authorities, decided)

        keep = [i for i in range(self.count) if i not in self.bad]
        kept_authorities = [cast(Authority, authorities[i]) for i in keep]  # a kept row has its authority
        decision_years = {d: business_year_of(d) for d in set(decided) if d is not None}
        records = pd.DataFrame(
            {
                "row": [self.table.row_numbers[i] for i in keep],
                "reference": [references[i] for i in keep],
                "authority": [a.name for a in kept_authorities],
                "code": [a.code for a in kept_authorities],
                "category": [categories[i] for i in keep],
                "received_date": [received[i] for i in keep],
                "decision_date": [decided[i] for i in keep],
                "outcome": [outcomes[i] for i in keep],
                "satisfactory_remedy": [bool(remedies[i]) and outcomes[i] == UPHELD for i in keep],
                "compliance": [compliance[i] for i in keep],
                "compliance_date": [compliance_dates[i] if compliance[i] else None for i in keep],
                "decision_year": [decision_years[decided[i]] for i in keep],
                "compliance_year": [
                    None if not compliance[i]
                    else business_year_of(compliance_dates[i] or decided[i])
                    for i in keep
                ],
            },
            columns=list(RECORD_COLUMNS),
        )
        records["decision_year"] = records["decision_year"].astype("int64")
        records["compliance_year"] = records["compliance_year"].astype("Int64")
        if "decision_date" not in unusable:
            self._warn_about_few_cases(records, few_cases)
        self._warn_about_the_workbook()
        self.problems.sort(key=lambda p: (p.kind == ROW, p.row or 0))
        return Decisions(self.table.path, self.count, records, self.problems, self.warnings, self.table.sheet,
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

    def _check_duplicates(self, references: list[str | None]) -> None:
        first_row: dict[str, int] = {}
        for index, reference in enumerate(references):
            if reference is None:
                continue
            key = reference_key(reference)
            if key in first_row:
                self.error(
                    index, "reference", reference,
                    f"is also the reference on row {first_row[key]}; each decision must appear once",
                    "a reference not used on any other row",
                )
            else:
                first_row[key] = self.table.row_numbers[index]

    def _authorities(self, decided: list[date | None]) -> list[Authority | None]:
        cells = self.raw("authority")
        found: dict[Hashable, Authority | UnknownAuthority | str | None] = {}
        unknown = 0
        for cell in dict.fromkeys(cells):  # in the order of the rows, so suggestions go to the first ones
            text = cell_text(cell)
            if not text:
                found[cell] = None
                continue
            error_cell = cell_error(cell)
            if error_cell:
                found[cell] = error_cell
                continue
            try:
                found[cell] = self.register.find(text, suggest=unknown < _SUGGESTION_LIMIT)
            except UnknownAuthority as error:
                found[cell] = error
                unknown += 1
        result: list[Any] = [found[cell] for cell in cells]
        for index, match in enumerate(result):
            if isinstance(match, Authority):
                continue
            cell = cells[index]
            if isinstance(match, str):
                self.error(index, "authority", cell, match, "the authority's official name or GSS code")
                result[index] = None
                continue
            if match is None:
                self.error(index, "authority", cell, "is blank; every decision names the authority complained about",
                           "the authority's official name or GSS code")
                continue
            if isinstance(match, UnknownAuthority) and match.ambiguous and decided[index]:
                # One name, several authorities: the one that existed on the day may settle it.
                try:
                    result[index] = self.register.find(cell_text(cell), on=decided[index])
                    continue
                except UnknownAuthority as error:
                    match = error
            self.error(index, "authority", cell, str(match), "the authority's official name or GSS code")
            result[index] = None
        return result

    def _check_types(self, authorities: list[Authority | None]) -> None:
        if "authority_type" not in self.headers:
            return
        agrees: dict[tuple[str, object], bool] = {}
        for index, cell in enumerate(self.raw("authority_type")):
            authority = authorities[index]
            if authority is None:
                continue
            key = (authority.code, cell)
            error_cell = cell_error(cell)
            if error_cell:
                self.error(index, "authority_type", cell, error_cell, authority.group or authority.type_code)
                continue
            if key not in agrees:
                given = name_key(cell_text(cell))
                agrees[key] = not given or given in authority.accepted_type_keys()
            if agrees[key]:
                continue
            register_says = f"a {authority.group} ({authority.type_code})" if authority.group else authority.type_code
            self.error(
                index, "authority_type", cell,
                f"disagrees with the register, which has {authority.name} as {register_says};"
                " correct the type or the authority",
                authority.group or authority.type_code,
            )

    def _warn_about_dates(self, authorities: list[Authority | None], decided: list[date | None]) -> None:
        for index, (authority, made) in enumerate(zip(authorities, decided)):
            if authority is None or made is None or index in self.bad:
                continue
            if authority.last_day is not None and made > authority.last_day:
                self.warn(
                    index, "decision_date", self.raw("decision_date")[index],
                    f"is after {authority.name} was abolished ({authority.end:%d/%m/%Y}); "
                    "counted for it all the same",
                    business_year_of(made),
                )
            elif authority.start is not None and made < authority.start:
                self.warn(
                    index, "decision_date", self.raw("decision_date")[index],
                    f"is before {authority.name} existed (from {authority.start:%d/%m/%Y}); "
                    "counted for it all the same",
                    business_year_of(made),
                )

    def _warn_about_few_cases(self, records: pd.DataFrame, few_cases: int) -> None:
        counts: dict[Any, int] = records.groupby(["decision_year", "authority"]).size().to_dict()
        for (year, authority), count in counts.items():
            if count < few_cases:
                self.warnings.append(
                    Problem(
                        self.table.path, None, self.header("authority"), authority,
                        f"has only {count} decision{'s' if count != 1 else ''} in "
                        f"{BusinessYear(int(year)).label}; its rates rest on very few cases",
                        year=int(year),
                    )
                )


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
    records = decisions.records
    silent: list[str] | None = None
    dated = "decision_date" not in decisions.unusable_columns
    if year is not None and dated:
        records = records[records["decision_year"] == year.end_year]
        if register is not None:
            present = set(records["code"])
            silent = [a.name for a in register.active_in(year) if a.group and a.code not in present]
    by_year = records["decision_year"].value_counts().sort_index()
    outcomes = records["outcome"].value_counts()
    return {
        "file": decisions.path,
        "sheet": decisions.sheet,
        "rows": decisions.rows,
        "valid_rows": decisions.rows - len(decisions.invalid_rows),
        "year": year.end_year if year else None,
        "decisions": int(len(records)),
        # Business years come from the decision dates: none are counted from a column that cannot be used.
        "years": ({BusinessYear(int(y)).label: int(n) for y, n in cast(dict[Any, int], by_year.to_dict()).items()}
                  if dated else None),
        "authorities": int(records["code"].nunique()),
        "outcomes": {o: int(outcomes.get(o, 0)) for o in OUTCOMES},
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
