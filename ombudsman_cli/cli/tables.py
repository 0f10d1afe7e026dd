"""Terminal tables (rich) for ``check`` and ``stats``: what a person reads before any letter goes out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..data.values import plural, printable
from ..years import BusinessYear

if TYPE_CHECKING:  # the tables of check and stats, drawn after those have loaded pandas; send needs shown only
    from ..data.validation import Problem
    from ..stats import AuthorityStatistics, Averages, Rate, YearStatistics

HIGHER_MARK, LOWER_MARK = "▲", "▼"
# Only a difference beyond chance is marked: beyond the 95% funnel limits once, beyond the 99.8% twice.
_MARKS = {"higher": HIGHER_MARK, "much_higher": HIGHER_MARK * 2, "lower": LOWER_MARK, "much_lower": LOWER_MARK * 2}


def shown(text: str, limit: int | None = None) -> str:
    """Text from a file, safe in a rich table: no markup read into it, no control character let through."""
    return escape(printable(text, limit))


def show_percent(value: Rate) -> str:
    from ..letters.context import percent_text

    return percent_text(value) or "n/a"


def mark(judgement: str | None) -> str:
    """The mark of a rate's judgement against its group's average (:meth:`AuthorityStatistics.vs_average`)."""
    return _MARKS.get(judgement or "", "")


def print_check(console: Console, summary: dict[str, Any], problems: Sequence[Problem],
                warnings: Sequence[Problem], limit: int) -> None:
    name = Path(summary["file"]).name
    sheet = f" (sheet {shown(summary['sheet'])})" if summary.get("sheet") else ""
    console.print(f"Checked [bold]{shown(summary['file'])}[/]{sheet}")
    console.print(f"  rows: {summary['rows']:,} ({summary['valid_rows']:,} without problems)")
    if summary["years"] is None:
        years = (f"not counted: column {', '.join(summary['unusable_columns'])} cannot be used (see the problems "
                 "below), so no figure comes from its dates")
    else:
        years = ", ".join(f"{label}: {n:,}" for label, n in summary["years"].items()) or "none"
    console.print(f"  business years: {years}")
    if summary["year"]:
        console.print(f"  decisions in {BusinessYear(summary['year']).label}: {summary['decisions']:,}")
    console.print(f"  authorities: {summary['authorities']:,}")
    silent = summary.get("councils_without_decisions")
    if silent:
        names = ", ".join(silent[:5]) + (", ..." if len(silent) > 5 else "")
        console.print(f"  councils with no decision in {BusinessYear(summary['year']).label}: {len(silent):,} "
                      f"({shown(names)})")
    ignored = summary.get("ignored_columns")
    if ignored:
        console.print(f"  columns not read: {', '.join(shown(repr(c), 40) for c in ignored)}")
    outcomes = Table(box=None, show_header=False, padding=(0, 1, 0, 4))
    outcomes.add_column()
    outcomes.add_column(justify="right")
    for outcome, n in summary["outcomes"].items():
        outcomes.add_row(outcome, f"{n:,}")
    console.print(outcomes)
    for title, items, style in (("Problems", problems, "red"), ("Warnings", warnings, "yellow")):
        if not items:
            continue
        table = Table(title=f"{title} in {shown(name)}: {len(items):,}", title_justify="left", title_style=f"bold {style}",
                      expand=False)
        table.add_column("Row", justify="right", no_wrap=True)
        table.add_column("Column", overflow="fold")
        table.add_column("Value", overflow="fold", max_width=18)
        table.add_column("Problem", ratio=1)
        for item in items[:limit]:
            table.add_row("" if item.row is None else str(item.row), shown(item.column or ""),
                          shown(item.value or "", 60), shown(item.message))
        console.print(table)
        if len(items) > limit:
            console.print(f"  ... and {len(items) - limit:,} more {title.lower()} (--format json lists all)")
    from ..data.validation import ROW

    whole = sum(1 for p in problems if p.kind != ROW)
    if whole:
        console.print(f"[red]{len(problems):,} problem(s), {whole:,} of them with a whole column or the file: fix "
                      "the export (--skip-invalid leaves rows out, which cannot mend those).[/]")
    elif problems:
        console.print(f"[red]{len(problems):,} problem(s): fix the export, or pass --skip-invalid to "
                      "'stats' and 'letters' to leave those rows out.[/]")
    else:
        console.print("[green]No problems found.[/]")


SMALL = "*"


def _rate_cell(entry: AuthorityStatistics, name: str) -> str:
    value, average = entry.rate(name), entry.average(name)
    small = SMALL if entry.is_small(name) else ""
    marked = mark(entry.vs_average(name))
    cell = f"{show_percent(value)}{small} of {entry.denominator(name):,}{' ' + marked if marked else ''}\n[dim]avg {show_percent(average)}"
    last = entry.earlier(1)
    if last is not None:
        cell += f"\nlast yr {show_percent(last.rate(name))}"
    return cell + "[/]"


def print_statistics(console: Console, statistics: YearStatistics, entries: Sequence[AuthorityStatistics]) -> None:
    year = statistics.year
    table = Table(
        title=f"Decisions {year.period_text} ({year.label}), averages {statistics.average_method}",
        title_justify="left",
        caption=f"{HIGHER_MARK} higher, {LOWER_MARK} lower than chance would give a council with as many cases at its "
        f"comparison group's average (beyond the 95% funnel limits; {HIGHER_MARK * 2} {LOWER_MARK * 2} beyond 99.8%); "
        f"unmarked: within them. {SMALL} fewer than {statistics.few_cases} cases: read with care; n/a: nothing to "
        "divide by",
        caption_justify="left",
    )
    table.add_column("Authority", ratio=1, min_width=18, overflow="fold")
    table.add_column("Upheld", no_wrap=True)
    table.add_column("Compliance", no_wrap=True)
    table.add_column("Remedy", no_wrap=True)
    for entry in entries:
        counts = entry.counts
        group = entry.authority.group or "no comparison group"
        table.add_row(
            f"{shown(entry.authority.name)}\n[dim]{group} · {plural(counts.decisions, 'decision')}[/]",
            _rate_cell(entry, "uphold_rate"),
            _rate_cell(entry, "compliance_rate"),
            _rate_cell(entry, "satisfactory_remedy_rate"),
        )
    console.print(table)
    averages = Table(title="Comparison groups and England", title_justify="left")
    averages.add_column("Group", ratio=1, min_width=14)
    averages.add_column("Councils", justify="right")
    averages.add_column("Upheld", no_wrap=True)
    averages.add_column("Compliance", no_wrap=True)
    averages.add_column("Remedy", no_wrap=True)

    def add(row: Averages, style: str = "") -> None:
        totals = row.totals
        averages.add_row(
            shown(row.name),
            f"{row.authorities:,}",
            f"{show_percent(row.uphold_rate)} of {totals.investigated:,}",
            f"{show_percent(row.compliance_rate)} of {totals.compliance_outcomes:,}",
            f"{show_percent(row.satisfactory_remedy_rate)} of {totals.upheld:,}",
            style=style,
        )

    for row in statistics.averages.values():
        add(row)
    add(statistics.national, "bold")
    console.print(averages)
