"""Terminal tables (rich) for ``check`` and ``stats``: what a person reads before any letter goes out."""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.cells import cell_len
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


def terminal_console(file: IO[str] | None = None) -> Console:
    """A console for standard output (or ``file``) that never fails on the terminal's encoding: on one
    that is not UTF-8 (cp1252, latin-1, ASCII under cron) a character it cannot show is replaced, and
    :func:`marks_for` gives ASCII marks."""
    if file is None:
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        if codecs.lookup(encoding).name != "utf-8" and hasattr(sys.stdout, "buffer"):
            sys.stdout.flush()
            file = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, errors="replace", write_through=True)
    return Console(file=file)


def _shows(console: Console, text: str) -> bool:
    try:
        text.encode(console.encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def marks_for(console: Console) -> tuple[str, str, str]:
    """The higher and lower marks and the separator the console can show: ▲ ▼ · or, failing that, ^ v -."""
    return (HIGHER_MARK, LOWER_MARK, "·") if _shows(console, HIGHER_MARK + LOWER_MARK + "·") else ("^", "v", "-")


def shown(text: str, limit: int | None = None) -> str:
    """Text from a file, safe in a rich table: no markup read into it, no control character let through."""
    return escape(printable(text, limit))


def show_percent(value: Rate) -> str:
    from ..letters.context import shown_percent

    return shown_percent(value) or "n/a"


def mark(judgement: str | None, higher: str = HIGHER_MARK, lower: str = LOWER_MARK) -> str:
    """The mark of a rate's judgement against its group's average (:meth:`AuthorityStatistics.vs_average`)."""
    return _MARKS.get(judgement or "", "").replace(HIGHER_MARK, higher).replace(LOWER_MARK, lower)


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
    outcomes = Table(box=None, show_header=False, padding=(0, 0, 0, 4))  # no trailing space on a line
    outcomes.add_column()
    outcomes.add_column(justify="right")
    for outcome, n in summary["outcomes"].items():
        outcomes.add_row(outcome, f"{n:,}")
    console.print(outcomes)
    from ..data.validation import COUNCIL

    few = [w for w in warnings if w.kind == COUNCIL]
    warnings = [w for w in warnings if w.kind != COUNCIL]
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
    if few:
        console.print(f"[bold yellow]Councils with few decisions in a year (their rates rest on few cases): "
                      f"{len(few):,}[/]")
        for warning in few[:limit]:
            count = int(warning.expected or 0)
            year = BusinessYear(warning.year).label if warning.year else ""
            console.print(f"  {shown(warning.value or '')}: {plural(count, 'decision')} in {year}", soft_wrap=True)
        if len(few) > limit:
            console.print(f"  ... and {len(few) - limit:,} more (--format json lists all)")
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


# The narrowest the name column of the councils' table and of the groups' table may be.
_NAME_WIDTH, _GROUP_WIDTH = 18, 14
_RATES = (("uphold_rate", "Upheld"), ("compliance_rate", "Compliance"), ("satisfactory_remedy_rate", "Remedy"))


def _rate_text(entry: AuthorityStatistics, name: str, marks: tuple[str, str, str]) -> tuple[str, str]:
    """A rate as the table shows it: the figure with its mark, and the comparisons beneath it."""
    value, average = entry.rate(name), entry.average(name)
    small = SMALL if entry.is_small(name) else ""
    marked = mark(entry.vs_average(name), marks[0], marks[1])
    figure = f"{show_percent(value)}{small} of {entry.denominator(name):,}{' ' + marked if marked else ''}"
    beside = f"avg {show_percent(average)}"
    last = entry.earlier(1)
    if last is not None:
        beside += f"\nlast yr {show_percent(last.rate(name))}"
    return figure, beside


def print_statistics(console: Console, statistics: YearStatistics, entries: Sequence[AuthorityStatistics]) -> None:
    """The councils' table, and the groups' averages. Where a table is wider than the console, each row's
    figures stand under its name instead (no column or name is cut)."""
    year = statistics.year
    higher, lower, dot = marks = marks_for(console)
    title = f"Decisions {year.period_text} ({year.label}), averages {statistics.average_method}"
    caption = (
        f"{higher} higher, {lower} lower than chance would give a council with as many cases at its comparison "
        f"group's average (beyond the 95% funnel limits; {higher * 2} {lower * 2} beyond 99.8%); unmarked: within "
        f"them. {SMALL} fewer than {statistics.few_cases} cases: read with care; n/a: nothing to divide by"
    )
    councils = [(entry, [_rate_text(entry, name, marks) for name, _ in _RATES]) for entry in entries]
    labels = [label for _, label in _RATES]
    if _fits(console, _NAME_WIDTH, labels, [[f"{figure}\n{beside}" for figure, beside in cells] for _, cells in councils]):
        table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        table.add_column("Authority", ratio=1, min_width=_NAME_WIDTH, overflow="fold")
        for label in labels:
            table.add_column(label, no_wrap=True)
        for entry, cells in councils:
            table.add_row(f"{shown(entry.authority.name)}\n[dim]{_about(entry, dot)}[/]",
                          *(f"{figure}\n[dim]{beside}[/]" for figure, beside in cells))
        console.print(table)
    else:
        console.print(f"[bold]{title}[/]")
        for entry, cells in councils:
            console.print(f"[bold]{shown(entry.authority.name)}[/]\n[dim]{_about(entry, dot)}[/]")
            for label, (figure, beside) in zip(labels, cells):
                console.print(f"  {label}: {figure}\n    [dim]{beside.replace(chr(10), '; ')}[/]")
        console.print(f"[dim]{caption}[/]")

    title = "Comparison groups and England"
    groups = [(row, _group_figures(row)) for row in [*statistics.averages.values(), statistics.national]]
    if _fits(console, _GROUP_WIDTH, ["Councils", *labels], [[f"{row.authorities:,}", *figures] for row, figures in groups]):
        averages = Table(title=title, title_justify="left")
        averages.add_column("Group", ratio=1, min_width=_GROUP_WIDTH)
        averages.add_column("Councils", justify="right")
        for label in labels:
            averages.add_column(label, no_wrap=True)
        for row, figures in groups:
            averages.add_row(shown(row.name), f"{row.authorities:,}", *figures,
                             style="bold" if row is statistics.national else "")
        console.print(averages)
    else:
        console.print(f"[bold]{title}[/]")
        for row, figures in groups:
            console.print(f"[bold]{shown(row.name)}[/] ({plural(row.authorities, 'council')})")
            for label, figure in zip(labels, figures):
                console.print(f"  {label}: {figure}")


def _group_figures(row: Averages) -> list[str]:
    """A group's three rates, each with the number it is out of, in the order of :data:`_RATES`."""
    totals = row.totals
    return [f"{show_percent(row.uphold_rate)} of {totals.investigated:,}",
            f"{show_percent(row.compliance_rate)} of {totals.compliance_outcomes:,}",
            f"{show_percent(row.satisfactory_remedy_rate)} of {totals.upheld:,}"]


def _fits(console: Console, name_width: int, headings: list[str], rows: list[list[str]]) -> bool:
    """Whether a table fits the console whole: a name column (wrapped, at least ``name_width``) and the
    columns ``headings``, never wrapped (``rows`` holds their text, a line break where a cell has two):
    each column's widest line, its padding, and the lines between columns."""
    widths = [max([cell_len(heading), *(cell_len(line) for row in rows for line in row[position].splitlines())])
              for position, heading in enumerate(headings)]
    return name_width + sum(widths) + 3 * (len(widths) + 1) + 1 <= console.width


def _about(entry: AuthorityStatistics, dot: str) -> str:
    return f"{entry.authority.group or 'no comparison group'} {dot} {plural(entry.counts.decisions, 'decision')}"
