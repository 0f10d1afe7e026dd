"""Revisions: what changed since a year's figures were published.

Decisions are corrected after publication. :func:`read_published` reads the figures of an earlier site
build (its JSON download, ``data/ombudsman-<year>.json``, or its SQLite one, ``.db``), and
:func:`compare_published` lists every figure that is not what was published: the council, the statistic,
the value published and the value now, and the councils added or removed.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputFileError
from .stats import EXPORT_FIELDS, YearStatistics

# What names a council rather than measuring it.
_IDENTITY = ("code", "authority", "authority_type", "region", "year")


class PublishedProblem(InputFileError):
    """The published figures cannot be read, or are of another year."""


@dataclass(frozen=True)
class Revision:
    code: str
    authority: str
    statistic: str
    published: Any
    now: Any
    group: str = ""

    @property
    def of_group(self) -> bool:
        """A group's average, which every council of the group carries."""
        return self.statistic.startswith("average_")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "authority": self.authority, "statistic": self.statistic,
                "published": self.published, "now": self.now}


@dataclass
class Revisions:
    year: int
    source: str
    changed: list[Revision] = field(default_factory=list)
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.changed or self.added or self.removed)

    def councils(self) -> list[str]:
        """The GSS codes of every council with a changed figure, added or removed, in order."""
        return sorted({r.code for r in self.changed} | {c["code"] for c in self.added + self.removed})

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "published": self.source, "changed": [r.to_dict() for r in self.changed],
                "added": self.added, "removed": self.removed}


def read_published(path: Path, year: int) -> dict[str, dict[str, Any]]:
    """The records (keyed by GSS code) of a site's JSON or SQLite download for ``year``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PublishedProblem(path, f"cannot be read ({error.strerror or error}); give the JSON or SQLite "
                               "download of the published site (data/ombudsman-<year>.json or .db).") from None
    if data.startswith(b"SQLite format 3\x00"):
        records = _from_sqlite(path)
        years = {r.get("year") for r in records.values()}
    else:
        try:
            document = json.loads(data.decode("utf-8-sig"))
            records = document["authorities"]
            years = {document.get("year")}
            if not isinstance(records, dict) or not all(isinstance(r, dict) for r in records.values()):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise PublishedProblem(path, "is not the JSON download of a published site (an object with "
                                   "\"authorities\" keyed by GSS code), nor its SQLite database.") from None
    # A download that does not say its year is taken at its word.
    stated = sorted(str(y) for y in years if y is not None and y != year)
    if stated:
        found = ", ".join(stated)
        raise PublishedProblem(path, f"holds the figures of {found}, not {year}: give the download of that year's "
                               f"site, or --year {found}.")
    return records


def _from_sqlite(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute("SELECT * FROM authorities").fetchall()
    except sqlite3.Error as error:
        raise PublishedProblem(path, f"is not the SQLite download of a published site ({error}).") from None
    return {row["code"]: dict(row) for row in rows}


def compare_published(published: dict[str, dict[str, Any]], statistics: YearStatistics, source: str) -> Revisions:
    """Every figure of ``statistics`` (as ``export`` gives them) that differs from ``published``; a figure
    the published build did not have (a column added since) is not a revision."""
    now = {record["code"]: record for record in statistics.export_records()}
    revisions = Revisions(statistics.year.end_year, source)
    for code in sorted(now.keys() - published.keys()):
        revisions.added.append({"code": code, "authority": now[code]["authority"]})
    for code in sorted(published.keys() - now.keys()):
        revisions.removed.append({"code": code, "authority": str(published[code].get("authority", ""))})
    for code in sorted(now.keys() & published.keys(), key=lambda c: (now[c]["authority"], c)):
        before, after = published[code], now[code]
        for statistic in EXPORT_FIELDS:
            if statistic in _IDENTITY or statistic not in before:
                continue
            if not _same(before[statistic], after.get(statistic)):
                revisions.changed.append(Revision(code, after["authority"], statistic, before[statistic],
                                                  after.get(statistic), after.get("authority_type") or ""))
    return revisions


def _same(published: Any, now: Any) -> bool:
    if published in ("", None) or now in ("", None):
        return published in ("", None) and now in ("", None)
    if isinstance(published, (int, float)) and isinstance(now, (int, float)):
        # Both are the same exact fraction written as a double; a database may round-trip it in its last bit.
        return math.isclose(published, now, rel_tol=1e-12, abs_tol=1e-15)
    return str(published) == str(now)
