"""The figures every letter, preview and export is made of, for one business year.

Rates are exact :class:`fractions.Fraction` values (``None`` where the denominator is zero), so that a
percentage is rounded half up on the true value, never on a float that sits just below the half.

Which decisions count where, for business year Y (the one rule; the README states it too):

- A decision dated in Y counts in Y for the authority it names, and in that authority's comparison group's
  sums (pooled) and, with the mean, as one member's rate, whatever the authority's start or end date.
  A compliance outcome likewise, in the year it is recorded in. So the five groups' sums add up to
  England's, less the bodies with no group.
- A group's *councils counted* (:attr:`Averages.authorities`) are its authorities active at the end of Y
  (started on or before 31 March, not ended before it) and any other of its authorities with decisions
  dated in Y; an authority not active whose only figures in Y are compliance outcomes is in the sums but
  not counted, and its residents are not in the group's rate per 100,000 residents (they are its
  successor's). England's count follows the same rule.
- Decisions dated before an authority's start or after its end are its own all the same (``check`` warns
  about them at their rows); nothing is dropped or moved to a successor.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .comparison import compared_with_average, wilson_interval
from .data.register import GROUP_LABELS, Authority, Register, as_register
from .data.validation import COMPLIED, NOT_UPHELD, OUTCOMES, RECORD_COLUMNS, UPHELD, Decisions
from .errors import NoDecisions, UnknownAuthority, UsageError
from .models import MethodNote
from .years import BusinessYear, parse_business_year

if TYPE_CHECKING:
    import pandas as pd

RecordColumns = dict[str, np.ndarray]

AverageMethod = Literal["pooled", "mean"]
AVERAGE_METHODS: tuple[str, ...] = ("pooled", "mean")
NOT_RECORDED = "Not recorded"
PER_RESIDENTS = 100_000

Rate = Fraction | None


def rate(numerator: int, denominator: int) -> Rate:
    """``numerator / denominator``, or ``None`` (undefined) when there is nothing to divide by."""
    return Fraction(numerator, denominator) if denominator else None


def half_up(value: Fraction) -> int:
    """The nearest whole number, halves rounded up (12.5 -> 13), exactly: never Python's round-half-even."""
    return scaled_half_up(value, 1)


def scaled_half_up(value: Fraction, scale: int) -> int:
    """``half_up(value * scale)``, in whole numbers: floor((2 n s + d) / 2 d) for value = n / d (every
    letter states a dozen of these, and Fraction arithmetic would reduce each by a gcd)."""
    return (2 * scale * value.numerator + value.denominator) // (2 * value.denominator)


def percent(value: Rate) -> int | None:
    """A rate as a whole percentage, rounded half up (0.125 -> 13); ``None`` stays ``None``."""
    return None if value is None else scaled_half_up(value, 100)


def as_float(value: Rate) -> float | None:
    return None if value is None else float(value)


@dataclass
class Counts:
    """What happened to one authority's complaints (or a group's) in one year."""

    decisions: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o: 0 for o in OUTCOMES})
    compliance_outcomes: int = 0
    complied: int = 0
    satisfactory_remedies: int = 0
    categories: dict[str, int] = field(default_factory=dict)

    @property
    def upheld(self) -> int:
        return self.outcomes[UPHELD]

    @property
    def not_upheld(self) -> int:
        return self.outcomes[NOT_UPHELD]

    @property
    def investigated(self) -> int:
        """Detailed investigations: upheld plus not upheld."""
        return self.upheld + self.not_upheld

    @property
    def uphold_rate(self) -> Rate:
        return rate(self.upheld, self.investigated)

    @property
    def compliance_rate(self) -> Rate:
        return rate(self.complied, self.compliance_outcomes)

    @property
    def satisfactory_remedy_rate(self) -> Rate:
        return rate(self.satisfactory_remedies, self.upheld)


RATE_NAMES: tuple[str, ...] = ("uphold_rate", "compliance_rate", "satisfactory_remedy_rate", "upheld_per_100k")
#: The rates that are a count out of cases, each with its interval and its judgement against the average.
COMPARED_RATES: tuple[str, ...] = RATE_NAMES[:3]
# An earlier year's record in ``previous_years`` leaves out what the current record already says.
_NOT_REPEATED = ("authority", "code", "authority_type", "previous_years", "small_numbers", "changes")


@dataclass
class Averages:
    """A comparison group's (or the nation's) rates, by the chosen average method."""

    name: str
    #: The councils counted (see the module's rule): not always every authority whose decisions are summed.
    authorities: int
    totals: Counts
    population: int
    uphold_rate: Rate
    compliance_rate: Rate
    satisfactory_remedy_rate: Rate
    upheld_per_100k: Rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "authorities": self.authorities,
            "decisions": self.totals.decisions,
            "investigated": self.totals.investigated,
            "upheld": self.totals.upheld,
            "uphold_rate": as_float(self.uphold_rate),
            "compliance_outcomes": self.totals.compliance_outcomes,
            "complied": self.totals.complied,
            "compliance_rate": as_float(self.compliance_rate),
            "satisfactory_remedies": self.totals.satisfactory_remedies,
            "satisfactory_remedy_rate": as_float(self.satisfactory_remedy_rate),
            "population": self.population or None,
            "upheld_per_100k": as_float(self.upheld_per_100k),
        }


@dataclass
class AuthorityStatistics:
    """One authority's figures for one year, beside its comparison group's averages."""

    authority: Authority
    year: BusinessYear
    counts: Counts
    group_average: Averages | None
    previous_years: list[AuthorityStatistics] = field(default_factory=list)
    #: A rate resting on fewer cases than this is flagged in letters and tables.
    few_cases: int = 10
    #: One of its group's councils counted this year: active at the year's end, or with decisions in it.
    counted: bool = True
    _judgements: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    @property
    def uphold_rate(self) -> Rate:
        return self.counts.uphold_rate

    @property
    def compliance_rate(self) -> Rate:
        return self.counts.compliance_rate

    @property
    def satisfactory_remedy_rate(self) -> Rate:
        return self.counts.satisfactory_remedy_rate

    @property
    def upheld_per_100k(self) -> Rate:
        population = self.authority.population
        return Fraction(self.counts.upheld * PER_RESIDENTS, population) if population else None

    def average(self, name: str) -> Rate:
        """The group's average of ``name`` (one of :data:`RATE_NAMES`), ``None`` without a group."""
        return getattr(self.group_average, name) if self.group_average else None

    def rate(self, name: str) -> Rate:
        """The rate called ``name`` (one of :data:`RATE_NAMES`)."""
        return getattr(self, name)

    def denominator(self, name: str) -> int | None:
        """What the rate ``name`` is out of (``None`` for the rate per residents)."""
        return {"uphold_rate": self.counts.investigated, "compliance_rate": self.counts.compliance_outcomes,
                "satisfactory_remedy_rate": self.counts.upheld}.get(name)

    def count(self, name: str) -> int | None:
        """What the rate ``name`` counts (``None`` for the rate per residents)."""
        return {"uphold_rate": self.counts.upheld, "compliance_rate": self.counts.complied,
                "satisfactory_remedy_rate": self.counts.satisfactory_remedies}.get(name)

    def interval(self, name: str) -> tuple[float, float] | None:
        """The 95% Wilson interval of the rate ``name`` (one of :data:`COMPARED_RATES`), as fractions 0-1;
        ``None`` where it is out of nothing."""
        return wilson_interval(self._count(name), self.denominator(name) or 0)

    def vs_average(self, name: str) -> str | None:
        """The rate ``name`` against its group's average by funnel limits (:func:`compared_with_average`):
        ``higher``, ``much_higher``, ``lower``, ``much_lower`` or ``expected``; ``None`` where it is out of
        nothing or there is no average."""
        if name not in self._judgements:  # exact tails: worked out once, asked for by every output
            self._judgements[name] = compared_with_average(self._count(name), self.denominator(name) or 0,
                                                           self.average(name))
        return self._judgements[name]

    def _count(self, name: str) -> int:
        count = self.count(name)
        if count is None:
            raise ValueError(f"{name} is not one of the rates that count cases ({', '.join(COMPARED_RATES)})")
        return count

    def cases(self, name: str) -> int | None:
        """How many cases the rate ``name`` rests on: its denominator, and for the rate per residents the
        upheld decisions it counts (one complaint more or less moves it as much as any rate)."""
        return self.counts.upheld if name == "upheld_per_100k" else self.denominator(name)

    def is_small(self, name: str) -> bool:
        """The rate rests on fewer than :attr:`few_cases` cases (but some): read it with care."""
        cases = self.cases(name)
        return cases is not None and 0 < cases < self.few_cases

    def earlier(self, years_back: int) -> AuthorityStatistics | None:
        """This authority's figures ``years_back`` years before, if the export has that year."""
        wanted = self.year.end_year - years_back
        return next((e for e in self.previous_years if e.year.end_year == wanted), None)

    def change(self, name: str) -> Rate:
        """This year's rate minus last year's, where both are defined."""
        last = self.earlier(1)
        now, then = self.rate(name), last.rate(name) if last else None
        return None if now is None or then is None else now - then

    def to_dict(self) -> dict[str, Any]:
        """The public record of ``stats --format json`` and ``export`` (documented in the README)."""
        counts = self.counts
        record: dict[str, Any] = {
            "authority": self.authority.name,
            "code": self.authority.code,
            "authority_type": self.authority.group,
            "year": self.year.end_year,
            "decisions": counts.decisions,
            "outcomes": dict(counts.outcomes),
            "investigated": counts.investigated,
            "upheld": counts.upheld,
            "not_upheld": counts.not_upheld,
            "uphold_rate": as_float(counts.uphold_rate),
            "compliance_outcomes": counts.compliance_outcomes,
            "complied": counts.complied,
            "compliance_rate": as_float(counts.compliance_rate),
            "satisfactory_remedies": counts.satisfactory_remedies,
            "satisfactory_remedy_rate": as_float(counts.satisfactory_remedy_rate),
            "average_uphold_rate": as_float(self.average("uphold_rate")),
            "average_compliance_rate": as_float(self.average("compliance_rate")),
            "average_satisfactory_remedy_rate": as_float(self.average("satisfactory_remedy_rate")),
            **{f"{name}_interval": _listed(self.interval(name)) for name in COMPARED_RATES},
            **{f"{name}_vs_average": self.vs_average(name) for name in COMPARED_RATES},
            "population": self.authority.population,
            "upheld_per_100k": as_float(self.upheld_per_100k),
            "average_upheld_per_100k": as_float(self.average("upheld_per_100k")),
            "categories": dict(counts.categories),
            "small_numbers": [n for n in RATE_NAMES if self.is_small(n)],
            "changes": {n: as_float(self.change(n)) for n in RATE_NAMES},
            "previous_years": [
                {k: v for k, v in earlier.to_dict().items() if k not in _NOT_REPEATED}
                for earlier in self.previous_years
            ],
        }
        return record


@dataclass
class YearStatistics:
    """Every authority's figures for one business year, the group averages and the national figures."""

    year: BusinessYear
    average_method: AverageMethod
    authorities: list[AuthorityStatistics]
    averages: dict[str, Averages]
    national: Averages
    few_cases: int = 10
    #: The changes of method in this year and the two before it (the years its tables compare).
    notes: tuple[MethodNote, ...] = ()

    def find(self, code: str) -> AuthorityStatistics:
        """The figures of the authority with GSS ``code``; :class:`UnknownAuthority` if it has none this year."""
        for entry in self.authorities:
            if entry.authority.code == code:
                return entry
        raise UnknownAuthority(f"{code!r} has no figures in {self.year.label}: it is not an authority active in "
                               "that year or with decisions in it (give its GSS code, e.g. E07000171)", [])

    def envelope(self) -> dict[str, Any]:
        """What every data output says first: the year, its period and how averages are taken."""
        return {
            "year": self.year.end_year,
            "period": {"start": self.year.start.isoformat(), "end": self.year.end.isoformat()},
            "average_method": self.average_method,
            "notes": [note.to_dict() for note in self.notes],
        }

    def export_records(self) -> list[dict[str, Any]]:
        """The map's records (``export``), one per authority, in order of GSS code."""
        return [export_record(entry) for entry in sorted(self.authorities, key=lambda e: e.authority.code)]

    def export_dict(self) -> dict[str, Any]:
        """``export --format json``: the envelope, and the records keyed by GSS code."""
        return {**self.envelope(), "authorities": {record["code"]: record for record in self.export_records()}}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.envelope(),
            "authorities": [entry.to_dict() for entry in self.authorities],
            "averages": {name: averages.to_dict() for name, averages in self.averages.items()},
            "national": self.national.to_dict(),
        }


def compute_statistics(
    records: pd.DataFrame | Decisions,
    register: Register | str | Path | None,
    year: BusinessYear | int | str,
    average_method: AverageMethod = "pooled",
    trend_years: int = 2,
    few_cases: int = 10,
    notes: Iterable[MethodNote] = (),
    allow_no_decisions: bool = False,
) -> YearStatistics:
    """Figures for ``year`` from validated ``records`` (see :func:`ombudsman_cli.data.validation.validate`).

    ``records`` is the :class:`Decisions` :func:`load_decisions` returns, or its ``records``; ``register``
    the one they were loaded with (a :class:`Register`, a register file's path, or ``None`` for the
    bundled one); ``year`` a :class:`BusinessYear`, ``2020`` or ``"2019/20"``.

    Every authority active in the year appears, with zero counts if it had no decisions, and so does
    any other authority with decisions or compliance outcomes in the year. Each authority also carries
    its figures for up to ``trend_years`` earlier years that have decisions in ``records``. Of ``notes``
    (changes of method), those of this year and the ``trend_years`` before it are kept with the figures.

    A year without decisions raises :class:`NoDecisions`, as the commands refuse it (its figures would all
    be nothing), unless ``allow_no_decisions``. An argument of the wrong kind raises ``TypeError``, a
    wrong value ``ValueError`` (:class:`UsageError` is one), each naming the argument; an authority in
    ``records`` that ``register`` lacks raises :class:`UnknownAuthority`.
    """
    columns = _records_argument(records)
    register = as_register(register)
    year = business_year_argument(year)
    if average_method not in AVERAGE_METHODS:
        raise UsageError(f"average_method: {average_method!r} is not one of {', '.join(AVERAGE_METHODS)}")
    unknown = sorted(set(columns["code"].tolist()) - {a.code for a in register.authorities})
    if unknown:
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise UnknownAuthority(
            f"records name {len(unknown)} authorit{'ies' if len(unknown) > 1 else 'y'} ({shown}) that register "
            f"{register.source} does not have: compute with the register the records were loaded with", [])
    if not allow_no_decisions and not (columns["decision_year"] == year.end_year).any():
        raise NoDecisions(f"records have no decisions dated in {year.label}, so there is nothing to report for it "
                          "(pass allow_no_decisions=True for a year of zeros)")
    current = _year_statistics(columns, register, year, average_method, few_cases)
    years_with_data = set(columns["decision_year"].tolist())
    earlier = [
        _year_statistics(columns, register, year.previous(n), average_method, few_cases)
        for n in range(1, trend_years + 1)
        if year.end_year - n in years_with_data
    ]
    current.notes = tuple(n for n in notes if year.end_year - trend_years <= n.year <= year.end_year)
    for entry in current.authorities:
        entry.previous_years = []
        for statistics in earlier:
            try:
                entry.previous_years.append(statistics.find(entry.authority.code))
            except UnknownAuthority:
                continue
    return current


def _records_argument(records: object) -> RecordColumns:
    """The records' columns as numpy arrays, from :class:`Decisions` or a DataFrame of its records."""
    if isinstance(records, Decisions):
        return records.columns
    pandas = sys.modules.get("pandas")  # a DataFrame means pandas is loaded; counting never loads it
    if pandas is None or not isinstance(records, pandas.DataFrame):
        raise TypeError(f"records: expected the Decisions load_decisions returns (or its .records, a pandas "
                        f"DataFrame), not {type(records).__name__}")
    frame: pd.DataFrame = records
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"records: the columns {', '.join(missing)} are missing; pass the records load_decisions "
                         "or validate returns")
    columns = {name: frame[name].to_numpy() for name in RECORD_COLUMNS if name != "compliance_year"}
    columns["compliance_year"] = frame["compliance_year"].to_numpy(dtype=np.int64, na_value=0)
    return columns


def business_year_argument(year: object) -> BusinessYear:
    """``year`` as a :class:`BusinessYear`: one already, ``2020`` or ``"2019/20"``; else an error naming it."""
    if isinstance(year, BusinessYear):
        return year
    if isinstance(year, bool) or not isinstance(year, (int, str)):
        raise TypeError(f"year: expected a business year such as 2020 or '2019/20', not {type(year).__name__}")
    try:
        return parse_business_year(year)
    except UsageError as error:
        raise UsageError(f"year: {error}") from None


def _year_statistics(
    columns: RecordColumns, register: Register, year: BusinessYear, average_method: AverageMethod, few_cases: int
) -> YearStatistics:
    counts = _counts_by_authority(columns, year)
    members = {a.code: a for a in register.active_in(year)}
    for code in counts:
        members.setdefault(code, register.by_code(code))
    all_counts = {code: counts.get(code, Counts()) for code in members}
    counted = {code for code, authority in members.items()
               if authority.is_active_in(year) or all_counts[code].decisions}

    # Every decision dated in the year, and every compliance outcome recorded in it, is in its authority's
    # group's sums (and, for the mean, its rates), whatever the authority's start or end date: so the groups
    # add up to England. Councils counted are those active at the year's end and any other with decisions.
    averages: dict[str, Averages] = {}
    for group in GROUP_LABELS:
        codes = [code for code, authority in members.items() if authority.group == group]
        if codes:
            averages[group] = _average(group, [(members[c], all_counts[c]) for c in codes], average_method, counted)
    national = _average("England", [(members[c], all_counts[c]) for c in members], average_method, counted)
    # Two-tier areas are in both a county's and a district's population: no national rate per residents.
    national.upheld_per_100k = None
    national.population = 0

    authorities = [
        AuthorityStatistics(authority, year, all_counts[code], averages.get(authority.group or ""),
                            few_cases=few_cases, counted=code in counted)
        for code, authority in members.items()
    ]
    authorities.sort(key=lambda entry: entry.authority.name)
    return YearStatistics(year, average_method, authorities, averages, national, few_cases)


def _counts_by_authority(columns: RecordColumns, year: BusinessYear) -> dict[str, Counts]:
    code, outcome = columns["code"], columns["outcome"]
    decided = columns["decision_year"] == year.end_year
    upheld_remedied = decided & columns["satisfactory_remedy"].astype(bool) & (outcome == UPHELD)
    complying = columns["compliance_year"] == year.end_year
    decided_codes, complying_codes = code[decided].tolist(), code[complying].tolist()

    result: dict[str, Counts] = {c: Counts() for c in [*decided_codes, *complying_codes]}
    for (authority, what), n in Counter(zip(decided_codes, outcome[decided].tolist())).items():
        result[authority].outcomes[what] = n
        result[authority].decisions += n
    for authority, n in Counter(code[upheld_remedied].tolist()).items():
        result[authority].satisfactory_remedies = n
    for authority, n in Counter(complying_codes).items():
        result[authority].compliance_outcomes = n
    for authority, n in Counter(code[complying & (columns["compliance"] == COMPLIED)].tolist()).items():
        result[authority].complied = n
    if (columns["category"] != "").any():
        categories = [category or NOT_RECORDED for category in columns["category"][decided].tolist()]
        for (authority, category), n in Counter(zip(decided_codes, categories)).items():
            result[authority].categories[category] = n
    for entry in result.values():
        entry.categories = dict(sorted(entry.categories.items(), key=lambda item: (-item[1], item[0])))
    return result


def _average(name: str, members: list[tuple[Authority, Counts]], method: AverageMethod, counted: set[str]) -> Averages:
    """The group's (or England's) sums and rates over ``members``; of them, the councils ``counted`` (GSS
    codes) are its councils and its residents (an authority in the sums only for its compliance outcomes
    has no residents in the year: an ended county's are its successor's)."""
    totals = Counts()
    for _, counts in members:
        totals.decisions += counts.decisions
        for outcome, n in counts.outcomes.items():
            totals.outcomes[outcome] += n
        totals.compliance_outcomes += counts.compliance_outcomes
        totals.complied += counts.complied
        totals.satisfactory_remedies += counts.satisfactory_remedies
    with_population = [(a, c) for a, c in members if a.population and a.code in counted]
    population = sum(a.population or 0 for a, _ in with_population)
    if method == "pooled":
        upheld_with_population = sum(c.upheld for _, c in with_population)
        return Averages(
            name,
            sum(a.code in counted for a, _ in members),
            totals,
            population,
            totals.uphold_rate,
            totals.compliance_rate,
            totals.satisfactory_remedy_rate,
            rate(upheld_with_population * PER_RESIDENTS, population),
        )
    return Averages(
        name,
        sum(a.code in counted for a, _ in members),
        totals,
        population,
        _mean(c.uphold_rate for _, c in members),
        _mean(c.compliance_rate for _, c in members),
        _mean(c.satisfactory_remedy_rate for _, c in members),
        _mean(Fraction(c.upheld * PER_RESIDENTS, a.population) for a, c in with_population if a.population),
    )


def _mean(rates: Iterable[Rate]) -> Rate:
    """The unweighted mean of the defined rates; ``None`` when none is defined."""
    defined = [r for r in rates if r is not None]
    return sum(defined, Fraction(0)) / len(defined) if defined else None


def _listed(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else list(interval)


def _snake(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_").replace("__", "_")


#: Columns of ``stats --format csv``: the JSON record's fields with ``outcomes`` spread into one column
#: each and ``categories`` as one ``name: count; ...`` cell.
CSV_FIELDS: tuple[str, ...] = (
    "authority", "code", "authority_type", "year", "decisions",
    *(f"outcome_{_snake(o)}" for o in OUTCOMES),
    "investigated", "upheld", "not_upheld", "uphold_rate",
    "compliance_outcomes", "complied", "compliance_rate",
    "satisfactory_remedies", "satisfactory_remedy_rate",
    "average_uphold_rate", "average_compliance_rate", "average_satisfactory_remedy_rate",
    *(f"{name}_{end}" for name in COMPARED_RATES for end in ("low", "high")),
    *(f"{name}_vs_average" for name in COMPARED_RATES),
    "population", "upheld_per_100k", "average_upheld_per_100k", "categories",
    *(f"{name}_{when}" for name in RATE_NAMES for when in ("last_year", "year_before", "change")),
)


def flat_record(entry: AuthorityStatistics) -> dict[str, Any]:
    """An authority's record (:meth:`AuthorityStatistics.to_dict`) as one CSV row of :data:`CSV_FIELDS`."""
    record = entry.to_dict()
    row = {k: v for k, v in record.items() if k in CSV_FIELDS}
    row.update(_interval_fields(record))
    row.update(_trend_fields(entry))
    for outcome, n in record["outcomes"].items():
        row[f"outcome_{_snake(outcome)}"] = n
    row["categories"] = "; ".join(f"{name}: {n}" for name, n in record["categories"].items())
    return row


def _compared(name: str) -> tuple[str, ...]:
    """A rate's columns: the rate, its group's average, its 95% interval and its judgement against the average."""
    return name, f"average_{name}", f"{name}_low", f"{name}_high", f"{name}_vs_average"


#: Columns of ``ombudsman export --format csv``, one row per authority keyed by GSS code: every
#: published figure, the group averages, and the trend (last year, the year before, the change).
EXPORT_FIELDS: tuple[str, ...] = (
    "code", "authority", "authority_type", "region", "year",
    "decisions", "investigated", "upheld", "not_upheld", *_compared("uphold_rate"),
    "compliance_outcomes", "complied", *_compared("compliance_rate"),
    "satisfactory_remedies", *_compared("satisfactory_remedy_rate"),
    "population", "upheld_per_100k", "average_upheld_per_100k",
    *(f"{name}_{when}" for name in RATE_NAMES for when in ("last_year", "year_before", "change")),
)


def export_record(entry: AuthorityStatistics) -> dict[str, Any]:
    """One authority's published figures, flat, as the public map takes them (see :data:`EXPORT_FIELDS`)."""
    record = entry.to_dict()
    row = {field_name: record.get(field_name) for field_name in EXPORT_FIELDS}
    row.update(_interval_fields(record))
    row["region"] = entry.authority.region or None
    row.update(_trend_fields(entry))
    return row


def _interval_fields(record: dict[str, Any]) -> dict[str, float | None]:
    """``uphold_rate_low``, ``uphold_rate_high``, ... from the record's ``uphold_rate_interval``, ..."""
    fields: dict[str, float | None] = {}
    for name in COMPARED_RATES:
        interval = record[f"{name}_interval"]
        fields[f"{name}_low"], fields[f"{name}_high"] = interval if interval is not None else (None, None)
    return fields


def _trend_fields(entry: AuthorityStatistics) -> dict[str, float | None]:
    """``uphold_rate_last_year``, ``uphold_rate_year_before``, ``uphold_rate_change``, ... for every rate."""
    fields: dict[str, float | None] = {}
    for name in RATE_NAMES:
        for when, years_back in (("last_year", 1), ("year_before", 2)):
            earlier = entry.earlier(years_back)
            fields[f"{name}_{when}"] = as_float(earlier.rate(name)) if earlier else None
        fields[f"{name}_change"] = as_float(entry.change(name))
    return fields
