"""The revisions page of the site (``site --published PATH``): every figure that changed since the year's
figures were published (:mod:`ombudsman_cli.revisions`), in words, by council, with the changes to a
group's averages once per group."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..letters.context import one_decimal
from ..naming import group_stem
from ..revisions import Revision, Revisions
from .columns import AUTHORITY_COLUMNS
from .funnel import judgement_text

_COLUMNS = {column.name: column for column in AUTHORITY_COLUMNS}


def revisions_context(revisions: Revisions, hrefs: dict[str, str]) -> dict[str, Any]:
    """What ``revisions.html`` shows: the councils with their changed figures (``hrefs``: GSS code -> page),
    the groups whose averages changed, and the councils added or removed."""
    councils: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for revision in revisions.changed:
        row = {"statistic": _title(revision.statistic), "published": _shown(revision, revision.published),
               "now": _shown(revision, revision.now)}
        if revision.of_group:
            group = groups.setdefault(revision.group, {"name": revision.group, "stem": group_stem(revision.group),
                                                       "rows": []})
            if row not in group["rows"]:
                group["rows"].append(row)
            continue
        council = councils.setdefault(revision.code, {"code": revision.code, "name": revision.authority,
                                                      "href": hrefs.get(revision.code), "rows": []})
        council["rows"].append(row)
    return {"source": revisions.source, "councils": list(councils.values()), "groups": list(groups.values()),
            "added": revisions.added, "removed": revisions.removed, "any": revisions.any}


def _title(statistic: str) -> str:
    column = _COLUMNS.get(statistic)
    return column.title if column else statistic


def _shown(revision: Revision, value: Any) -> str:
    if value is None or value == "":
        return "none"
    column = _COLUMNS.get(revision.statistic)
    if column is not None and column.name.endswith("_vs_average"):
        return judgement_text(str(value)) or str(value)
    if isinstance(value, float) and column is not None and column.unit.startswith("fraction"):
        # One decimal place: a change smaller than a whole percentage still shows.
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return one_decimal(Fraction(value))
    return f"{value:,}" if isinstance(value, int) else str(value)
