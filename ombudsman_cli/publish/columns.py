"""What each column of the published data means: its title, meaning, type and unit, in one place for the
data page, the CSV on the Web metadata beside each CSV, and the SQLite database (its ``columns`` table
and Datasette's ``metadata.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..stats import COMPARED_RATES, EXPORT_FIELDS, RATE_NAMES


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    description: str
    #: A CSV on the Web (XML Schema) datatype: ``string``, ``integer`` or ``decimal``.
    datatype: str
    unit: str = ""

    @property
    def sql_type(self) -> type:
        return {"string": str, "integer": int}.get(self.datatype, float)


_FRACTION = "fraction from 0 to 1"
_PER_100K = "upheld decisions per 100,000 residents"
_RATES = {
    "uphold_rate": ("Uphold rate", "Upheld decisions as a share of detailed investigations", _FRACTION),
    "compliance_rate": ("Compliance rate", "Compliance outcomes where the authority complied with our "
                        "recommendations, as a share of all compliance outcomes recorded in the year", _FRACTION),
    "satisfactory_remedy_rate": ("Satisfactory remedy rate", "Upheld decisions where the authority had already "
                                 "provided a satisfactory remedy, as a share of upheld decisions", _FRACTION),
    "upheld_per_100k": ("Upheld per 100,000 residents", "Upheld decisions for every 100,000 residents", _PER_100K),
}
_COUNTS = {
    "decisions": ("Decisions", "Every decision we made about the authority in the year"),
    "investigated": ("Detailed investigations", "Decisions after a detailed investigation (upheld or not upheld)"),
    "upheld": ("Upheld", "Decisions that upheld the complaint"),
    "not_upheld": ("Not upheld", "Detailed investigations that did not uphold the complaint"),
    "compliance_outcomes": ("Compliance outcomes", "Compliance outcomes recorded in the year"),
    "complied": ("Complied", "Compliance outcomes where the authority complied with our recommendations"),
    "satisfactory_remedies": ("Satisfactory remedies", "Upheld decisions where the authority had already provided "
                              "a satisfactory remedy"),
    "authorities": ("Authorities", "Authorities in the group with figures in the year"),
}


def _column(name: str) -> Column:
    if name in _RATES:
        title, description, unit = _RATES[name]
        return Column(name, title, f"{description}; empty where there is nothing to divide by", "decimal", unit)
    if name.startswith("average_") and name.removeprefix("average_") in _RATES:
        title, description, unit = _RATES[name.removeprefix("average_")]
        return Column(name, f"Average {title[0].lower()}{title[1:]} of similar authorities",
                      f"The comparison group's average: {description[0].lower()}{description[1:]}", "decimal", unit)
    for rate in RATE_NAMES:
        for suffix, when in (("_last_year", "last year"), ("_year_before", "the year before last")):
            if name == rate + suffix:
                title, description, unit = _RATES[rate]
                return Column(name, f"{title}, {when}", f"{description}, {when}; empty without figures for that "
                              "year", "decimal", unit)
        if name == f"{rate}_change":
            title, _, unit = _RATES[rate]
            return Column(name, f"{title}: change", f"This year's {title[0].lower()}{title[1:]} minus last year's; "
                          "empty where either is undefined", "decimal", unit)
    for rate in COMPARED_RATES:
        title, _, unit = _RATES[rate]
        lowered = f"{title[0].lower()}{title[1:]}"
        for end, bound in (("_low", "Lower"), ("_high", "Upper")):
            if name == rate + end:
                return Column(name, f"{title}: {bound.lower()} bound of the 95% interval",
                              f"{bound} bound of the 95% Wilson score interval of the {lowered}: the range of rates "
                              "consistent with the decisions counted; empty where there is nothing to divide by",
                              "decimal", unit)
        if name == f"{rate}_vs_average":
            return Column(name, f"{title} against the average", f"The {lowered} against its comparison group's "
                          "average, by exact binomial funnel limits: higher or lower (beyond the 95% limits: a chance "
                          "below 1 in 40 of a count so far from the average), much_higher or much_lower (beyond the "
                          "99.8% limits: below 1 in 1,000), or expected; empty where there is nothing to divide by "
                          "or no average", "string")
    if name in _COUNTS:
        title, description = _COUNTS[name]
        return Column(name, title, description, "integer", "decisions" if name != "authorities" else "authorities")
    fixed = {
        "code": Column("code", "GSS code", "The authority's Government Statistical Service code", "string"),
        "authority": Column("authority", "Authority", "The authority's official name", "string"),
        "authority_type": Column("authority_type", "Comparison group", "The kind of authority it is compared with "
                                 "(County Council, District Council, Metropolitan Borough, Unitary Council, London "
                                 "Borough); empty for other bodies", "string"),
        "region": Column("region", "Region", "The authority's region of England", "string"),
        "year": Column("year", "Year", "The business year's end year (2020: 1 April 2019 to 31 March 2020)",
                       "integer", "year"),
        "population": Column("population", "Population", "Residents (mid-year estimate)", "integer", "people"),
        "group": Column("group", "Group", "The comparison group, or England", "string"),
    }
    return fixed[name]


#: The authorities' columns, in the order of the downloads.
AUTHORITY_COLUMNS: tuple[Column, ...] = tuple(_column(name) for name in EXPORT_FIELDS)


def columns(names: list[str]) -> list[Column]:
    """The columns called ``names`` (a table of groups has some of the authorities' and its own)."""
    return [_column(name) for name in names]
