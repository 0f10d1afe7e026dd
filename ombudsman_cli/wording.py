"""How the figures read in a letter: percentages, plurals, dates, and the template's variables.

The template (a Word document the performance team edits) words the letter; this module only turns
each figure into the text that goes in its place. Every variable a template may use is made by
:func:`letter_context` and listed in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .stats import AuthorityStatistics, Rate, percent

#: Registered nouns and their plurals; "1 upheld decision", "2 upheld decisions".
_PLURALS = {"detailed investigation": "detailed investigations", "compliance outcome": "compliance outcomes",
            "upheld decision": "upheld decisions", "satisfactory remedy decision": "satisfactory remedy decisions",
            "decision": "decisions", "case": "cases"}


def plural(count: int, noun: str) -> str:
    """``1 upheld decision``, ``2 upheld decisions``, ``1,234 decisions``."""
    word = noun if count == 1 else _PLURALS.get(noun, noun + "s")
    return f"{count:,} {word}"


def long_date(day: date) -> str:
    """``22 July 2020``, as letters are dated."""
    return f"{day.day} {day:%B %Y}"


def percent_text(value: Rate) -> str:
    """``13%`` (half up), or an empty string where the rate is undefined."""
    shown = percent(value)
    return "" if shown is None else f"{shown}%"


@dataclass(frozen=True)
class Contact:
    """Who a letter is addressed to."""

    title: str = ""
    forename: str = ""
    surname: str = ""
    job_title: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        """``Mr Taylor``; without a title, the forename and surname."""
        if self.title and self.surname:
            return f"{self.title} {self.surname}"
        return " ".join(part for part in (self.forename, self.surname) if part)


CHIEF_EXECUTIVE = "Chief Executive"


def _rate_section(value: Rate, average: Rate, denominator: int, few_cases: int) -> dict[str, Any]:
    return {
        "defined": value is not None,
        "percent": percent_text(value),
        "has_average": average is not None,
        "average": percent_text(average),
        "small": 0 < denominator < few_cases,
    }


def letter_context(
    entry: AuthorityStatistics,
    letter_date: date,
    contact: Contact | None = None,
    few_cases: int = 10,
) -> dict[str, Any]:
    """Every variable the letter templates use, for one authority's figures."""
    counts = entry.counts
    year = entry.year
    contact = contact or Contact()
    name = contact.name
    upheld = _rate_section(counts.uphold_rate, entry.average("uphold_rate"), counts.investigated, few_cases)
    upheld.update(
        count=counts.upheld,
        decisions=plural(counts.upheld, "upheld decision"),
        total=counts.investigated,
        based_on=plural(counts.investigated, "detailed investigation"),
    )
    compliance = _rate_section(
        counts.compliance_rate, entry.average("compliance_rate"), counts.compliance_outcomes, few_cases
    )
    compliance.update(
        count=counts.complied,
        total=counts.compliance_outcomes,
        based_on=plural(counts.compliance_outcomes, "compliance outcome"),
    )
    remedy = _rate_section(
        counts.satisfactory_remedy_rate, entry.average("satisfactory_remedy_rate"), counts.upheld, few_cases
    )
    remedy.update(
        count=counts.satisfactory_remedies,
        decisions=plural(counts.satisfactory_remedies, "satisfactory remedy decision"),
        total=counts.upheld,
        based_on=plural(counts.upheld, "upheld decision"),
    )
    return {
        "authority": entry.authority.name,
        "code": entry.authority.code,
        "authority_type": entry.authority.group or "",
        "letter_date": long_date(letter_date),
        "year": year.end_year,
        "year_label": year.label,
        "year_end": long_date(year.end),
        "period": year.period_text,
        "period_ending": year.ending_text,
        "addressee_name": name,
        "job_title": contact.job_title or CHIEF_EXECUTIVE,
        "salutation": name or contact.job_title or CHIEF_EXECUTIVE,
        "email": contact.email,
        "upheld": upheld,
        "compliance": compliance,
        "remedy": remedy,
    }


def manifest_figures(context: dict[str, Any]) -> dict[str, Any]:
    """The figures a letter states, as the manifest records them beside its file."""
    return {
        "uphold_percent": context["upheld"]["percent"],
        "average_uphold_percent": context["upheld"]["average"],
        "upheld": context["upheld"]["count"],
        "investigated": context["upheld"]["total"],
        "compliance_percent": context["compliance"]["percent"],
        "average_compliance_percent": context["compliance"]["average"],
        "complied": context["compliance"]["count"],
        "compliance_outcomes": context["compliance"]["total"],
        "satisfactory_remedy_percent": context["remedy"]["percent"],
        "average_satisfactory_remedy_percent": context["remedy"]["average"],
        "satisfactory_remedies": context["remedy"]["count"],
    }
