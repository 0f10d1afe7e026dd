"""The register of authorities: who exists, when, and which comparison group each belongs to."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import cast

from ..errors import InputFileError, UnknownAuthority
from ..years import BusinessYear
from .outside_england import outside_england
from .reading import read_table
from .values import header_key, name_key, parse_optional_date, printable, text_at

#: Register type code -> the ombudsman's comparison group. Other types (SRA, COMB) have none.
COMPARISON_GROUPS: dict[str, str] = {
    "CTY": "County Council",
    "NMD": "District Council",
    "MD": "Metropolitan Borough",
    "UA": "Unitary Council",
    "LBO": "London Borough",
    "CC": "London Borough",
}
GROUP_LABELS: tuple[str, ...] = (
    "County Council",
    "District Council",
    "Metropolitan Borough",
    "Unitary Council",
    "London Borough",
)
OTHER_TYPES = ("SRA", "COMB")

BUNDLED_REGISTER = "english-local-authorities.csv"

# Header (as header_key makes it) -> field; the bundled register's own names come first.
_COLUMNS = {
    "official_name": "name",
    "name": "name",
    "gss_code": "code",
    "code": "code",
    "local_authority_type": "type_code",
    "type": "type_code",
    "local_authority_type_name": "type_name",
    "local_authority_code": "register_code",
    "nice_name": "nice_name",
    "region": "region",
    "pop_2020": "population",
    "population": "population",
    "start_date": "start",
    "end_date": "end",
    "alt_names": "alt_names",
}
_REQUIRED = ("name", "code", "type_code")


@dataclass(frozen=True)
class Authority:
    """One body in the ombudsman's remit."""

    name: str
    code: str
    type_code: str
    group: str | None
    region: str = ""
    population: int | None = None
    start: date | None = None
    end: date | None = None
    nice_name: str = ""
    type_name: str = ""
    alt_names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def last_day(self) -> date | None:
        """The last day it existed. Register end dates are either that day or the successor's first day
        (1 April), so a 1 April end means the day before."""
        if self.end is None:
            return None
        if (self.end.month, self.end.day) == (4, 1):
            return self.end - timedelta(days=1)
        return self.end

    def is_active_in(self, year: BusinessYear) -> bool:
        """Started on or before 31 March of the year and had not ended before that day."""
        return (self.start is None or self.start <= year.end) and (self.end is None or self.end >= year.end)

    def existed_on(self, day: date) -> bool:
        last_day = self.last_day
        return (self.start is None or self.start <= day) and (last_day is None or day <= last_day)

    def accepted_type_keys(self) -> set[str]:
        """What an export's ``authority_type`` may say for this authority."""
        keys = {name_key(self.type_code)}
        if self.type_name:
            keys.add(name_key(self.type_name))
        if self.group:
            keys.add(name_key(self.group))
            keys.add(name_key(self.group) + "s")
        return keys


class Register:
    """Authorities, found by GSS code, official name or a known other name."""

    def __init__(self, authorities: Iterable[Authority], source: str = BUNDLED_REGISTER) -> None:
        self.authorities: list[Authority] = sorted(authorities, key=lambda a: a.name)
        self.source = source
        self._by_code: dict[str, Authority] = {}
        self._by_name: dict[str, list[Authority]] = {}
        self._by_alt_name: dict[str, list[Authority]] = {}
        self._by_exact_name = {_exact_key(a.name): a for a in self.authorities}
        for authority in self.authorities:
            self._by_code[authority.code.upper()] = authority
            self._by_name.setdefault(name_key(authority.name), []).append(authority)
            for key in {name_key(alt) for alt in (authority.nice_name, *authority.alt_names)} - {""}:
                self._by_alt_name.setdefault(key, []).append(authority)

    def __iter__(self) -> Iterator[Authority]:
        return iter(self.authorities)

    def __len__(self) -> int:
        return len(self.authorities)

    def by_code(self, code: str) -> Authority:
        return self._by_code[code.upper()]

    def active_in(self, year: BusinessYear) -> list[Authority]:
        return [a for a in self.authorities if a.is_active_in(year)]

    def find(self, text: str, on: date | None = None, suggest: bool = True) -> Authority:
        """The authority that ``text`` names: a GSS code, an official name or another known name.

        Where one name fits several authorities (``Somerset``), the one that existed on ``on`` wins.
        Raises :class:`UnknownAuthority` with the closest official names (unless ``suggest`` is off), or
        saying that a Welsh, Scottish or Northern Irish council is outside England.
        """
        text = text.strip()
        if text.upper() in self._by_code:
            return self._by_code[text.upper()]
        exact = self._by_exact_name.get(_exact_key(text))
        if exact is not None:  # two official names may differ only in punctuation: the one written wins
            return exact
        key = name_key(text)
        for index in (self._by_name, self._by_alt_name):
            candidates = index.get(key, [])
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                if on is not None:
                    existing = [a for a in candidates if a.existed_on(on)]
                    if len(existing) == 1:
                        return existing[0]
                names = sorted({a.name for a in candidates})
                raise UnknownAuthority(
                    f"could be any of {', '.join(names)}; use the official name or the GSS code",
                    names,
                    ambiguous=True,
                )
        elsewhere = outside_england(text)
        if elsewhere:
            raise UnknownAuthority(elsewhere, [])
        suggestions = self.suggest(text) if suggest else []
        hint = f"did you mean {' or '.join(suggestions)}?" if suggestions else "use the official name or the GSS code"
        where = "" if self.source == BUNDLED_REGISTER else f" ({self.source})"
        raise UnknownAuthority(f"is not in the register{where}; {hint}", suggestions)

    @functools.cached_property
    def _suggestion_index(self) -> tuple[dict[str, str], dict[str, list[tuple[str, float]]]]:
        """Every known name (as :func:`name_key` makes it) -> its official name, and each three-letter
        piece -> the names that have it, with a weight: rare pieces (``ssetl``) say more than the
        pieces every name has (``cou``, ``unc``, ``cil``)."""
        keys = {**{k: v[0].name for k, v in self._by_alt_name.items()}, **{k: v[0].name for k, v in self._by_name.items()}}
        holders: dict[str, list[str]] = {}
        for key in keys:
            for piece in _trigrams(key):
                holders.setdefault(piece, []).append(key)
        pieces = {piece: [(key, 1 / len(names)) for key in names] for piece, names in holders.items()}
        return keys, pieces

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """The official names closest to ``text``: the best match, and any nearly as close.

        Only the few names sharing the rarest three-letter pieces with ``text`` are compared in full,
        so that an export with thousands of unknown names is checked in seconds, not minutes.
        """
        key = name_key(text)
        if not key:
            return []
        keys, pieces = self._suggestion_index
        shared: dict[str, float] = {}
        for piece in _trigrams(key):
            holders = pieces.get(piece, ())
            if len(holders) > _COMMON_PIECE:
                continue  # in most names ("cou", "cil"): it tells none apart
            for candidate, weight in holders:
                shared[candidate] = shared.get(candidate, 0.0) + weight
        candidates = sorted(shared, key=shared.__getitem__, reverse=True)[:_CANDIDATES]
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)
        scored: dict[str, float] = {}
        for candidate in candidates:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
                score = matcher.ratio()
                if score >= 0.6:
                    scored[keys[candidate]] = max(score, scored.get(keys[candidate], 0.0))
        if not scored:
            return []
        best = max(scored.values())
        close = sorted((name for name, score in scored.items() if score >= best - 0.05), key=lambda n: -scored[n])
        return close[:limit]


_CANDIDATES = 8
_COMMON_PIECE = 40


def _exact_key(name: str) -> str:
    """A name as written, but for case and runs of spaces."""
    return " ".join(name.split()).casefold()


def _trigrams(key: str) -> set[str]:
    padded = f"^{key}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def as_register(register: object) -> Register:
    """A :class:`Register` given to a library function as one, as a register file's path, or as ``None``
    for the bundled one; anything else is a ``TypeError`` naming the argument."""
    if isinstance(register, Register):
        return register
    if register is None or isinstance(register, (str, Path)):
        return load_register(register)
    raise TypeError(f"register: expected a Register (load_register()), a register file's path or None for the "
                    f"bundled one, not {type(register).__name__}")


def bundled_data_files() -> list[Path]:
    """The data files installed with the package: inputs of every run, which no output may replace."""
    folder = resources.files("ombudsman_cli") / "data"
    return [Path(str(item)) for item in folder.iterdir() if item.is_file() and not item.name.endswith((".py", ".pyc"))]


def load_register(path: str | Path | None = None) -> Register:
    """The bundled register of English authorities, or the user's own file (CSV or spreadsheet) with the
    same columns: ``official-name``, ``gss-code`` and ``local-authority-type`` required; ``start-date``,
    ``end-date``, ``region``, ``pop-2020`` (or ``population``), ``nice-name`` and ``alt-names`` optional."""
    if path is None:
        with resources.as_file(resources.files("ombudsman_cli") / "data" / BUNDLED_REGISTER) as bundled:
            return _register_from_table(bundled, BUNDLED_REGISTER)
    return _register_from_table(Path(path), str(path))


def _register_from_table(path: Path, source: str) -> Register:
    table = read_table(path)
    fields: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        name = _COLUMNS.get(header_key(header))
        if name and name not in fields:
            fields[name] = index
    missing = [f for f in _REQUIRED if f not in fields]
    if missing:
        wanted = {"name": "official-name", "code": "gss-code", "type_code": "local-authority-type"}
        raise InputFileError(
            source,
            f"the register needs the column(s) {', '.join(wanted[m] for m in missing)}; "
            f"found {', '.join(table.headers)}",
        )
    accepted_types = {**{c: c for c in COMPARISON_GROUPS}, **{t: t for t in OTHER_TYPES}}
    by_label = {name_key(label): code for code, label in COMPARISON_GROUPS.items() if code != "CC"}
    authorities = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    problems: list[str] = []
    for row_number, row in table.rows():
        def get(field_name: str) -> str:
            return text_at(row, fields.get(field_name))

        def fail(field_name: str, message: str) -> None:
            column = table.headers[fields[field_name]]
            problems.append(f"row {row_number}, column {printable(column)}: {printable(message)}")

        bad = len(problems)
        name, code = get("name"), get("code").upper()
        if not name:
            fail("name", "the official name is blank")
        elif name.lower() in seen_names:
            fail("name", f"{name} is also the official name on row {seen_names[name.lower()]}; each authority once, "
                         "under a name of its own")
        else:
            seen_names[name.lower()] = row_number
        if not code:
            fail("code", f"{name} has no GSS code")
        elif code in seen_codes:
            fail("code", f"GSS code {code} is also on row {seen_codes[code]}; each authority once")
        else:
            seen_codes[code] = row_number
        raw_type = get("type_code")
        type_code = accepted_types.get(raw_type.upper()) or by_label.get(name_key(raw_type))
        if type_code is None:
            fail(
                "type_code",
                f"{raw_type!r} is not an authority type; expected one of "
                f"{', '.join([*COMPARISON_GROUPS, *OTHER_TYPES])} or a group name ({', '.join(GROUP_LABELS)})",
            )
        dates: dict[str, date | None] = {"start": None, "end": None}
        for field_name in ("start", "end"):
            try:
                dates[field_name] = parse_optional_date(row[fields[field_name]]) if field_name in fields else None
            except (ValueError, IndexError) as error:
                fail(field_name, f"{get(field_name)!r} {error}")
        if dates["start"] and dates["end"] and dates["end"] < dates["start"]:
            fail("end", f"{get('end')!r} is before the start date ({dates['start']:%d/%m/%Y}); an authority ends "
                        "after it starts")
        population = _population(get("population"))
        if isinstance(population, str):
            fail("population", f"{get('population')!r} {population}")
        if len(problems) > bad:
            continue
        authorities.append(
            Authority(
                name=name,
                code=code,
                type_code=cast(str, type_code),
                group=COMPARISON_GROUPS.get(cast(str, type_code)),
                region=get("region"),
                population=cast("int | None", population),
                start=dates["start"],
                end=dates["end"],
                nice_name=get("nice_name"),
                type_name=get("type_name"),
                alt_names=tuple(n.strip() for n in get("alt_names").split(",") if n.strip()),
            )
        )
    if len(problems) == 1:
        raise InputFileError(source, f"{problems[0]}. Correct the register file.")
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputFileError(source, f"the register has {len(problems)} problems:\n  {shown}\nCorrect the register file.")
    if not authorities:
        raise InputFileError(source, "the register has no authorities")
    return Register(authorities, source)


def _population(text: str) -> int | None | str:
    """Residents as a positive whole number (``64,187`` and ``64187.0`` are whole); blank is unknown.
    Anything else is returned as the reason it cannot be a population."""
    text = text.replace(",", "").replace("_", "").strip()
    if not text:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return "is not a number of residents; expected a positive whole number, or blank if unknown"
    if value.denominator != 1 or value <= 0:
        return "is not a number of residents: a population is a positive whole number, or blank if unknown"
    return int(value)
