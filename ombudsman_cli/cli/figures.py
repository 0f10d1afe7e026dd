"""``ombudsman stats`` and ``ombudsman export``: the figures, for people and for the map."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click

from ..data.register import GROUP_LABELS
from ..years import BusinessYear
from .base import (
    Session,
    average_option,
    cli,
    emit,
    format_option,
    input_options,
    output_option,
    refuse_overwriting,
    skip_invalid_option,
    stderr,
    year_option,
)

SORT_FIELDS = (
    "name", "code", "decisions", "investigated", "upheld", "uphold_rate", "compliance_outcomes",
    "compliance_rate", "satisfactory_remedies", "satisfactory_remedy_rate", "upheld_per_100k",
)


@cli.command()
@input_options
@year_option
@click.option("--type", "group", type=click.Choice(GROUP_LABELS, case_sensitive=False),
              help="Only this comparison group.")
@click.option("--authority", "authority_names", multiple=True, metavar="NAME",
              help="Only this authority (official name, other name or GSS code); repeatable.")
@click.option("--sort", "sort_field", type=click.Choice(SORT_FIELDS), default="name", show_default=True,
              help="Order of the rows; figures sort highest first, undefined rates last.")
@average_option
@format_option("table", "json", "csv")
@output_option
@skip_invalid_option
def stats(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
          authorities_path: Path | None, year: BusinessYear | None, group: str | None,
          authority_names: tuple[str, ...], sort_field: str, average: str | None, output_format: str,
          output: Path | None, skip_invalid: bool) -> None:
    """Show each council's rates beside its group's averages.

    The uphold, compliance and satisfactory remedy rates for a business year.

    Each rate is shown with the number it is out of and beside the average of similar authorities
    (its comparison group); then the group averages and the figures for England.

    \b
    Examples:
      ombudsman stats --year 2020
      ombudsman stats --year 2019/20 --type "District Council" --sort uphold_rate
      ombudsman stats --year 2020 --authority Bassetlaw --authority E09000013
      ombudsman stats --year 2020 --format json --output stats-2020.json
      ombudsman stats --year 2020 --format csv > stats-2020.csv
    """
    from ..stats import CSV_FIELDS, flat_record

    session = Session(config_path, decisions_path, sheet, authorities_path)
    refuse_overwriting(output, session.inputs())
    wanted = {a.code for a in session.find_authorities(authority_names)}
    statistics = session.statistics(year, skip_invalid, average)
    year = statistics.year
    absent = wanted - {e.authority.code for e in statistics.authorities}
    if absent:
        names = ", ".join(session.register.by_code(code).name for code in sorted(absent))
        stderr(f"Note: {names}: not active in {year.label} and no decisions in it, so not shown.")
    entries = [
        e for e in statistics.authorities
        if (not wanted or e.authority.code in wanted) and (group is None or (e.authority.group or "").lower() == group.lower())
    ]
    entries = _sorted(entries, sort_field)
    if output_format == "table":
        from rich.console import Console

        from .tables import print_statistics, terminal_console

        if output is None or str(output) == "-":
            print_statistics(terminal_console(), statistics, entries)
            return
        table = io.StringIO()
        print_statistics(Console(file=table, width=_TABLE_FILE_WIDTH, color_system=None), statistics, entries)
        emit(table.getvalue(), output)
        return
    from ..output import to_csv, to_json

    if output_format == "json":
        data = statistics.to_dict()
        data["authorities"] = [e.to_dict() for e in entries]
        emit(to_json(data), output)
    else:
        emit(to_csv([flat_record(e) for e in entries], CSV_FIELDS), output)


@cli.command()
@input_options
@year_option
@average_option
@format_option("csv", "json")
@output_option
@skip_invalid_option
def export(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
           authorities_path: Path | None, year: BusinessYear | None, average: str | None, output_format: str,
           output: Path | None, skip_invalid: bool) -> None:
    """Export the published figures for the public map.

    Every authority's figures for the "Your council's performance" map, keyed by GSS code.

    One record per authority, keyed by GSS code: the three rates with their counts, the averages of
    similar authorities, upheld decisions per 100,000 residents, and the trend over three years.
    Rates are fractions from 0 to 1 at full precision; empty (null) where undefined.

    \b
    Examples:
      ombudsman export --year 2020 --output map-2020.csv
      ombudsman export --year 2020 --format json --output map-2020.json
    """
    from ..output import to_csv, to_json
    from ..stats import EXPORT_FIELDS

    session = Session(config_path, decisions_path, sheet, authorities_path)
    refuse_overwriting(output, session.inputs())
    statistics = session.statistics(year, skip_invalid, average)
    if output_format == "json":
        emit(to_json(statistics.export_dict()), output)
    else:
        emit(to_csv(statistics.export_records(), EXPORT_FIELDS), output)


# A table written to a file is as wide as a wide terminal, without colour.
_TABLE_FILE_WIDTH = 120


def _sorted(entries: list[Any], field: str) -> list[Any]:
    if field == "name":
        return sorted(entries, key=lambda e: e.authority.name)
    if field == "code":
        return sorted(entries, key=lambda e: e.authority.code)

    def key(entry: Any) -> tuple[bool, Any, str]:
        value = getattr(entry.counts, field) if hasattr(entry.counts, field) else entry.rate(field)
        return (value is None, -(value or 0), entry.authority.name)

    return sorted(entries, key=key)


@cli.command()
@input_options
@year_option
@click.option("--published", "published_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON or SQLite download of the site as published (data/ombudsman-<year>.json or .db).")
@average_option
@format_option("table", "json")
@skip_invalid_option
def compare(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
            authorities_path: Path | None, year: BusinessYear | None, published_path: Path, average: str | None,
            output_format: str, skip_invalid: bool) -> None:
    """List every figure that changed since the year was published.

    Decisions are corrected after publication. The figures now (from the export, as 'export' gives them)
    against the site's own download of the year as published: each changed figure with its council, the
    value published and the value now, and councils added or removed. Exits 0 when nothing changed, 1 when
    something did, 2 when the comparison cannot be made.

    \b
    Examples:
      ombudsman compare --year 2020 --published site/2020/data/ombudsman-2020.json
      ombudsman compare --year 2020 --published ombudsman-2020.db --format json
    """
    import sys

    from ..errors import OmbudsmanError
    from ..revisions import compare_published, read_published

    session = Session(config_path, decisions_path, sheet, authorities_path)
    try:
        statistics = session.statistics(year, skip_invalid, average)
        published = read_published(published_path, statistics.year.end_year)
    except OmbudsmanError as error:  # 1 means "changed" here, as diff's does: trouble is 2
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    revisions = compare_published(published, statistics, str(published_path))
    if output_format == "json":
        from ..output import to_json

        emit(to_json(revisions.to_dict()))
    else:
        _print_revisions(revisions)
    sys.exit(1 if revisions.any else 0)


def _print_revisions(revisions: Any) -> None:
    from rich.table import Table

    from .tables import shown, terminal_console

    console = terminal_console()
    if not revisions.any:
        console.print(f"No figure has changed since {shown(revisions.source)} was published.")
        return
    councils = len(revisions.councils())
    console.print(f"{len(revisions.changed):,} figure(s) changed for {councils:,} council(s) since "
                  f"{shown(revisions.source)} was published.")
    if revisions.changed:
        table = Table("Council", "Statistic", "Published", "Now", title_justify="left")
        groups_shown = set()
        for revision in revisions.changed:
            if revision.of_group:  # the same change for every council of the group: shown once (JSON lists each)
                key = (revision.group, revision.statistic)
                if key in groups_shown:
                    continue
                groups_shown.add(key)
                name = f"{revision.group}s (the group's average)"
            else:
                name = revision.authority
            table.add_row(shown(name), revision.statistic, _value(revision.published), _value(revision.now))
        console.print(table)
    for word, councils_listed in (("Added", revisions.added), ("Removed", revisions.removed)):
        for council in councils_listed:
            console.print(f"{word}: {shown(council['authority'])} ({council['code']})")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
