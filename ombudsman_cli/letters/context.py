"""How the figures read in a letter: percentages, plurals, dates, and the template's variables.

The template (a Word document the performance team edits) words the letter; this module only turns
each figure into the text that goes in its place. Every variable a template may use is made by
:func:`letter_context` and listed in the README.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from ..data.values import plural
from ..models import CHIEF_EXECUTIVE, Contact, MethodNote, Signatory
from ..stats import AuthorityStatistics, Rate, percent, scaled_half_up
from ..years import BusinessYear, long_date


def percent_text(value: Rate) -> str:
    """``13%`` (half up), or an empty string where the rate is undefined. The seed's rounding, as the 2020
    letter prints it (99.6% is "100%"); every other reader's text is :func:`shown_percent`."""
    shown = percent(value)
    return "" if shown is None else f"{shown}%"


def shown_percent(value: Rate) -> str:
    """As :func:`percent_text`, except that a rate that is not exactly 100% (or 0%) is never shown as
    one: "over 99%" ("under 1%"), so that an average of 99.6% does not read as every council complying."""
    shown = percent(value)
    if shown is None:
        return ""
    if shown == 100 and value != 1:
        return "over 99%"
    if shown == 0 and value != 0:
        return "under 1%"
    return f"{shown}%"


#: Below this many cases a rate's section says its counts in words rather than as a percentage first.
FEW_FOR_A_PERCENTAGE = 3


def _how_many(count: int, total: int) -> tuple[str, str]:
    """How ``count`` of ``total`` reads, as (the part that names the cases, whether the answer is none):
    "the one", "both of the 2", "either of the 2", "all 5", "any of the 5", "3 of the 5"."""
    if total == 1:
        return "the one", ""
    if count == 0:
        return ("either of the 2" if total == 2 else f"any of the {total:,}"), "not"
    if count == total:
        return ("both of the 2" if total == 2 else f"all {total:,}"), ""
    return f"{count:,} of the {total:,}", ""


def in_words(section: str, count: int, total: int, subject: str = "your authority") -> str:
    """A section's counts as a sentence a person would say, about ``subject`` ("your authority" in a
    letter, "the council" on a page): "We did not uphold either of the 2 complaints we investigated.",
    "The council complied with our recommendations in the one case we recorded." Empty with no cases."""
    if total == 0:
        return ""
    cases, none = _how_many(count, total)
    one = total == 1
    who = subject[:1].upper() + subject[1:]
    if section == "upheld":
        complaints = "complaint" if one else "complaints"
        if one:
            return f"We {'upheld' if count else 'did not uphold'} the one complaint we investigated."
        return f"We {'did not uphold' if none else 'upheld'} {cases} {complaints} we investigated."
    if section == "compliance":
        recorded = "case we recorded" if one else "cases we recorded"
        if one:
            return f"{who} {'complied' if count else 'did not comply'} with our recommendations in the one case we recorded."
        return f"{who} {'did not comply' if none else 'complied'} with our recommendations in {cases} {recorded}."
    upheld = "upheld case" if one else "upheld cases"
    if one:
        return (f"{who} {'had' if count else 'had not'} put things right before the complaint reached us in the one "
                f"{upheld}.")
    return f"{who} {'had not' if none else 'had'} put things right before the complaint reached us in {cases} {upheld}."



def interval_texts(interval: tuple[float, float] | None) -> tuple[str, str]:
    """A 95% interval's bounds as whole percentages (``30%``, ``90%``), or two empty strings."""
    if interval is None:
        return "", ""
    return percent_text(Fraction(interval[0])), percent_text(Fraction(interval[1]))


def one_decimal(value: Rate) -> str:
    """``6.8``: one decimal place, rounded half up; an empty string where undefined."""
    if value is None:
        return ""
    tenths = scaled_half_up(value, 10)
    return f"{tenths // 10:,}.{tenths % 10}"


NOT_AVAILABLE = "not available"
NO_DATA = "–"
NO_RATE, NO_AVERAGE = "no rate", "no average"


# Template name -> (the rate, its numerator in Counts, what the numerator counts, what the rate is out of).
_SECTIONS = {
    "upheld": ("uphold_rate", "upheld", "upheld decision", "detailed investigation"),
    "compliance": ("compliance_rate", "complied", "", "compliance outcome"),
    "remedy": ("satisfactory_remedy_rate", "satisfactory_remedies", "satisfactory remedy decision", "upheld decision"),
}


def _rate_section(entry: AuthorityStatistics, section: str) -> dict[str, Any]:
    """The words for one of the statistics page's three sections."""
    name, numerator, counted, out_of = _SECTIONS[section]
    value, average = entry.rate(name), entry.average(name)
    count, total = getattr(entry.counts, numerator), entry.denominator(name) or 0
    low, high = interval_texts(entry.interval(name))
    words = {
        "defined": value is not None,
        # The seed's rounding (the 2020 letter), and the rule everything else follows ("over 99%").
        "percent": percent_text(value),
        "percent_shown": shown_percent(value),
        "has_average": average is not None,
        "average": percent_text(average),
        "average_shown": shown_percent(average),
        # The counts in words, as a letter says them and as a page does; and whether they are too few for a
        # percentage to lead (the generic letter and the pages then say the words first).
        "in_words": in_words(section, count, total),
        "in_words_council": in_words(section, count, total, "the council"),
        "few": 0 < total < FEW_FOR_A_PERCENTAGE,
        "small": entry.is_small(name),
        "count": count,
        "total": total,
        "based_on": plural(total, out_of),
        # The 95% interval ("30%" to "90%"), and the rate against the average by funnel limits: higher,
        # much_higher, lower, much_lower, expected, or "" where there is nothing to judge.
        "interval_low": low,
        "interval_high": high,
        "vs_average": entry.vs_average(name) or "",
    }
    if counted:
        words["decisions"] = plural(count, counted)
    return words


_TREND_ROWS = (
    ("uphold_rate", "Complaints upheld"),
    ("compliance_rate", "Compliance with recommendations"),
    ("satisfactory_remedy_rate", "Satisfactory remedy provided by the authority"),
    ("upheld_per_100k", "Upheld decisions per 100,000 residents"),
)


def _figure(entry: AuthorityStatistics | None, name: str) -> str:
    if entry is None:
        return NO_DATA
    value = entry.rate(name)
    text = one_decimal(value) if name == "upheld_per_100k" else shown_percent(value)
    return text or NO_DATA


def _note_text(note: MethodNote) -> str:
    """``Change of method in 2022/23 (complaints upheld): ...``: a method note as the tables show it."""
    statistic = dict(_TREND_ROWS).get(note.statistic or "")
    about = f" ({statistic[0].lower()}{statistic[1:]})" if statistic else ""
    return f"Change of method in {BusinessYear(note.year).label}{about}: {note.text}"


def _trend(entry: AuthorityStatistics, notes: Sequence[MethodNote]) -> dict[str, Any]:
    last, before = entry.earlier(1), entry.earlier(2)
    # The changes of method within the table's three years, so that a break is not read as a change.
    first = entry.year.end_year - 2
    return {
        "notes": [_note_text(n) for n in notes if first <= n.year <= entry.year.end_year],
        "shown": last is not None or before is not None,
        # Whether the export has any figures for the council in each earlier year.
        "has_last_year": last is not None,
        "has_year_before": before is not None,
        "this_year": entry.year.label,
        "last_year": entry.year.previous(1).label,
        "year_before": entry.year.previous(2).label,
        "rows": [
            {"label": label, "this_year": _figure(entry, name), "last_year": _figure(last, name),
             "year_before": _figure(before, name)}
            for name, label in _TREND_ROWS
        ],
    }


# Why a rate is not there, in the words the chart's description uses.
_NO_RATE_BECAUSE = {
    "uphold_rate": "no complaint about it was investigated in detail",
    "compliance_rate": "no compliance outcome was recorded",
    "satisfactory_remedy_rate": "no complaint about it was upheld",
}


def _chart(entry: AuthorityStatistics, shown: bool) -> dict[str, Any]:
    """The chart of the three rates beside the averages, its figures as a table, and a description
    that states every figure (the chart's text alternative)."""
    rows = []
    for name, label in _TREND_ROWS[:3]:
        value, average = entry.rate(name), entry.average(name)
        rows.append({"label": label, "yours": shown_percent(value) or NO_RATE, "average": shown_percent(average) or NO_AVERAGE,
                     "yours_percent": percent(value), "average_percent": percent(average)})
    # A council with no rate at all gets no chart: bars of the averages alone, and a key naming bars
    # that are not there, would say nothing about it.
    has_rates = any(row["yours_percent"] is not None for row in rows)
    return {"shown": shown and has_rates, "title": "Your authority beside similar authorities", "rows": rows,
            "description": _chart_description(entry, "your authority", "similar authorities"),
            # The same chart on the public page, in the page's words (the council, similar councils).
            "public_title": f"{entry.authority.name} beside similar councils",
            "public_description": _chart_description(entry, entry.authority.name, "similar councils")}


def _chart_description(entry: AuthorityStatistics, council: str, similar: str) -> str:
    """The chart's text alternative, stating every figure, about ``council`` and its ``similar`` ones."""
    group = f"{similar} ({entry.authority.group}s)" if entry.authority.group else similar
    sentences = []
    for name, label in _TREND_ROWS[:3]:
        value, average = entry.rate(name), entry.average(name)
        if similar != "similar authorities":
            label = label.replace("the authority", "the council")
        yours = (f"{council} {shown_percent(value)}" if value is not None
                 else f"no rate for {council}, because {_NO_RATE_BECAUSE[name]}")
        theirs = f"{similar} {shown_percent(average)}" if average is not None else f"no average for {similar}"
        sentences.append(f"{label}: {yours}; {theirs}.")
    return f"Bar chart comparing {council} with {group} in {entry.year.label}. " + " ".join(sentences)


def letter_context(
    entry: AuthorityStatistics,
    letter_date: date,
    contact: Contact | None = None,
    chart: bool = True,
    signatory: Signatory | None = None,
    notes: Sequence[MethodNote] = (),
) -> dict[str, Any]:
    """Every variable the letter templates use, for one authority's figures; ``notes``, the changes of method
    (:attr:`YearStatistics.notes`), go under the three-year table."""
    counts = entry.counts
    year = entry.year
    contact = contact or Contact()
    signatory = signatory or Signatory()
    name = contact.name
    return _xml_safe({
        "authority": entry.authority.name,
        "code": entry.authority.code,
        "authority_type": entry.authority.group or "",
        "letter_date": long_date(letter_date),
        "year": year.end_year,
        "year_label": year.label,
        "year_end": long_date(year.end),
        "period": year.period_text,
        "period_between": year.between_text,
        "period_ending": year.ending_text,
        "addressee_name": name,
        "job_title": contact.job_title or CHIEF_EXECUTIVE,
        "salutation": name or contact.job_title or CHIEF_EXECUTIVE,
        "email": contact.email,
        "link_officer_email": contact.link_officer_email,
        **{section: _rate_section(entry, section) for section in _SECTIONS},
        "signatory": signatory.name,
        "signatory_titles": list(signatory.job_titles),
        "per_100k": {
            "defined": entry.upheld_per_100k is not None,
            "upheld": counts.upheld,
            "complaints": plural(counts.upheld, "complaint"),
            "value": one_decimal(entry.upheld_per_100k) or NOT_AVAILABLE,
            "has_average": entry.average("upheld_per_100k") is not None,
            "average": one_decimal(entry.average("upheld_per_100k")) or NOT_AVAILABLE,
            "population": f"{entry.authority.population:,}" if entry.authority.population else NOT_AVAILABLE,
            "small": entry.is_small("upheld_per_100k"),
        },
        "trend": _trend(entry, notes),
        "decisions": plural(counts.decisions, "decision"),
        "outcomes": [{"outcome": outcome, "decisions": n} for outcome, n in counts.outcomes.items()],
        "categories": {
            "shown": bool(counts.categories),
            "rows": [{"category": category, "decisions": n} for category, n in counts.categories.items()],
        },
        "chart": _chart(entry, chart),
    })


# Control characters that XML 1.0 does not allow; a pasted cell can carry them into a name or category.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(variables: dict[str, Any]) -> dict[str, Any]:
    """Every text in a letter's variables without characters a Word document cannot hold: changed in
    place (each dict and list is the letter's own, made above), and only the texts that need it."""
    containers: list[Any] = [variables]
    while containers:
        container = containers.pop()
        for key, value in (container.items() if isinstance(container, dict) else enumerate(container)):
            if isinstance(value, str):
                if not value.isprintable():  # all the pattern removes is unprintable
                    container[key] = _NOT_IN_XML.sub("", value)
            elif isinstance(value, (dict, list)):
                containers.append(value)
    return variables


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
