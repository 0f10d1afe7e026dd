"""The ``ombudsman`` command line: wires the library to commands and turns its errors into messages.

Exit codes: 0 done, 1 the data or a file has a problem (the message says which and how to fix it),
2 a usage error (a bad option or setting).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from . import __version__
from .config import Settings, load_settings
from .errors import OmbudsmanError, UsageError
from .register import GROUP_LABELS
from .years import BusinessYear, parse_business_year

if TYPE_CHECKING:
    from .register import Authority, Register
    from .stats import AverageMethod
    from .validation import Decisions

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
SORT_FIELDS = (
    "name", "code", "decisions", "investigated", "upheld", "uphold_rate", "compliance_outcomes",
    "compliance_rate", "satisfactory_remedies", "satisfactory_remedy_rate", "upheld_per_100k",
)


class OmbudsmanGroup(click.Group):
    """Turns the library's exceptions into click's: usage problems exit 2, everything else 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as error:
            raise click.UsageError(str(error)) from None
        except OmbudsmanError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:  # a folder that cannot be written, a disk that is full
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}. Check the path and its permissions.") from None


class BusinessYearType(click.ParamType):
    name = "YEAR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> BusinessYear:
        if isinstance(value, BusinessYear):
            return value
        try:
            return parse_business_year(value)
        except UsageError as error:
            self.fail(str(error), param, ctx)


def _options(*decorators: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[..., Any]:
    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


input_options = _options(
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 envvar="OMBUDSMAN_CONFIG", help="Settings file [default: ./ombudsman.toml if present]."),
    click.option("--decisions", "decisions_path", type=click.Path(path_type=Path),
                 help="The decisions export (.xlsx, .ods or UTF-8 .csv) [default: from the config file]."),
    click.option("--sheet", help="Sheet of a workbook to read [default: the first]."),
    click.option("--authorities", "authorities_path", type=click.Path(path_type=Path),
                 help="Your own register of authorities instead of the bundled one (see README)."),
)
year_option = click.option("--year", type=BusinessYearType(),
                           help="Business year: 2020, 2019/20 or 2019-20 all mean 1 April 2019 to 31 March 2020.")
skip_invalid_option = click.option(
    "--skip-invalid", is_flag=True,
    help="Leave out rows with problems instead of stopping (says how many and why).",
)
average_option = click.option(
    "--average", type=click.Choice(["pooled", "mean"]),
    help="Averages of similar authorities: pooled (their cases together) or mean (of their rates) "
    "[default: pooled, or the config file].",
)


def format_option(*choices: str) -> Callable[..., Any]:
    return click.option("--format", "output_format", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output: a table for people, json or csv for scripts.")


def output_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write json/csv to this file instead of the terminal.")(function)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


class Session:
    """What every command starts from: settings, the register and the validated export."""

    def __init__(self, config_path: Path | None, decisions_path: Path | None, sheet: str | None,
                 authorities_path: Path | None) -> None:
        self.settings: Settings = load_settings(config_path)
        self.decisions_path = decisions_path or self.settings.decisions
        if self.decisions_path is None:
            raise UsageError("no decisions export given: pass --decisions FILE or set [files] decisions "
                             "in ombudsman.toml")
        self.sheet = sheet or self.settings.sheet
        self.authorities_path = authorities_path or self.settings.authorities

    @functools.cached_property
    def register(self) -> Register:
        from .register import load_register

        return load_register(self.authorities_path)

    @functools.cached_property
    def decisions(self) -> Decisions:
        from .validation import load_decisions

        path = self.decisions_path
        assert path is not None  # __init__ refuses a session without one

        def load() -> Decisions:
            return load_decisions(path, self.register, sheet=self.sheet,
                                  few_cases=self.settings.few_cases)

        if not sys.stderr.isatty():
            return load()
        from rich.console import Console

        with Console(stderr=True).status(f"Reading {self.decisions_path} ..."):
            return load()

    def valid_decisions(self, skip_invalid: bool) -> Decisions:
        from .validation import describe_skipped

        decisions = self.decisions.require_valid(skip_invalid)
        if decisions.problems:
            _stderr(describe_skipped(decisions))
        return decisions

    def year_or_latest(self, year: BusinessYear | None) -> BusinessYear:
        if year is not None:
            return year
        years = self.decisions.years()
        if not years:
            raise UsageError("the export has no usable decisions, so there is no year to report; pass --year")
        _stderr(f"Year {BusinessYear(years[-1]).label}: the latest in the export (choose another with --year).")
        return BusinessYear(years[-1])

    def note_empty_year(self, year: BusinessYear) -> None:
        years_with_data = self.decisions.years()
        if year.end_year not in years_with_data:
            years = ", ".join(BusinessYear(y).label for y in years_with_data) or "none"
            _stderr(f"Note: the export has no decisions dated in {year.label} (it covers {years}); "
                    "every figure for it is zero or undefined.")

    def find_authorities(self, names: tuple[str, ...]) -> list[Authority]:
        from .register import UnknownAuthority

        found = []
        for name in names:
            try:
                found.append(self.register.find(name))
            except UnknownAuthority as error:
                raise click.BadParameter(f"{name!r} {error}", param_hint="'--authority'") from None
        return found


def _average_method(name: str) -> AverageMethod:
    return cast("AverageMethod", name)  # compute_statistics refuses anything but pooled and mean


def _emit(text: str, output: Path | None) -> None:
    from .output import write_text

    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        _stderr(f"Wrote {output}")


@click.group(cls=OmbudsmanGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="ombudsman")
def cli() -> None:
    """Annual review letters from the ombudsman's decisions export.

    \b
    The yearly job, in the order the performance team runs it:
      ombudsman check                    is the export sound?
      ombudsman stats --year 2020        the figures, in the terminal
      ombudsman letters --year 2020      one Word letter per council (--pdf for PDFs too)
      ombudsman export --year 2020       the figures for the public map (CSV or JSON)

    \b
    Files come from ./ombudsman.toml (or --config FILE); options on the command line win.
    Exit codes: 0 done, 1 a problem with the data or a file, 2 a usage error.
    """


@cli.command()
@input_options
@year_option
@format_option("table", "json")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="Problems and warnings listed in the table (json lists all).")
def check(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
          authorities_path: Path | None, year: BusinessYear | None, output_format: str, limit: int) -> None:
    """Check the decisions export and list every problem by row and column.

    Exits 1 if any row has a problem (an unknown authority, an outcome outside the six, a date that
    cannot be read or does not exist, a repeated reference, ...); warnings do not change the exit code.

    \b
    Examples:
      ombudsman check
      ombudsman check --decisions export.xlsx --sheet Decisions --year 2019/20
      ombudsman check --format json | jq '.problems[] | .row'
    """
    from .errors import MissingColumns
    from .output import to_json
    from .validation import summarise

    session = Session(config_path, decisions_path, sheet, authorities_path)
    try:
        decisions = session.decisions
    except MissingColumns as error:
        if output_format != "json":
            raise
        # Scripts get the same shape whatever went wrong.
        click.echo(to_json({"file": error.path, "rows": None, "problems": [
            {"row": 1, "column": column, "value": None, "message": error.message, "expected": "a column named " + column}
            for column in error.columns], "warnings": []}), nl=False)
        sys.exit(1)
    summary = summarise(decisions, year, session.register)
    if output_format == "json":
        summary["problems"] = [p.to_dict() for p in decisions.problems]
        summary["warnings"] = [p.to_dict() for p in decisions.warnings_in(year)]
        click.echo(to_json(summary), nl=False)
    else:
        from rich.console import Console

        from .preview import print_check

        print_check(Console(), summary, decisions.problems, decisions.warnings_in(year), limit)
    sys.exit(1 if decisions.problems else 0)


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
    """Show each council's uphold, compliance and satisfactory remedy rates for a business year.

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
    from .stats import CSV_FIELDS, compute_statistics, flat_record

    session = Session(config_path, decisions_path, sheet, authorities_path)
    wanted = {a.code for a in session.find_authorities(authority_names)}
    decisions = session.valid_decisions(skip_invalid)
    year = session.year_or_latest(year)
    session.note_empty_year(year)
    statistics = compute_statistics(decisions.records, session.register, year,
                                    _average_method(average or session.settings.average), few_cases=session.settings.few_cases)
    absent = wanted - {e.authority.code for e in statistics.authorities}
    if absent:
        names = ", ".join(session.register.by_code(code).name for code in sorted(absent))
        _stderr(f"Note: {names}: not active in {year.label} and no decisions in it, so not shown.")
    entries = [
        e for e in statistics.authorities
        if (not wanted or e.authority.code in wanted) and (group is None or (e.authority.group or "").lower() == group.lower())
    ]
    entries = _sorted(entries, sort_field)
    if output_format == "table":
        from rich.console import Console

        from .preview import print_statistics

        print_statistics(Console(), statistics, entries)
        return
    from .output import to_csv, to_json

    if output_format == "json":
        data = statistics.to_dict()
        data["authorities"] = [e.to_dict() for e in entries]
        _emit(to_json(data), output)
    else:
        _emit(to_csv([flat_record(e) for e in entries], CSV_FIELDS), output)


@cli.command()
@input_options
@year_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the letters [default: letters/<year>, or [files] letters in the config].")
@click.option("--authority", "authority_names", multiple=True, metavar="NAME",
              help="Only this authority (official name, other name or GSS code); repeatable.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              help="Word template [default: letter_templates/annual-review-letter-<year>.docx, else the generic one].")
@click.option("--contacts", "contacts_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Contacts file (authority, title, forename, surname, job_title, email).")
@click.option("--letter-date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date printed on the letters, ISO (2020-07-22) [default: [letters] dates in the config, else today].")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside each letter (needs LibreOffice).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes [default: the number of cores].")
@click.option("--chart/--no-chart", default=None,
              help="A bar chart of the three rates on the statistics page, where the template has one [default: on].")
@click.option("--other-bodies", is_flag=True, default=None,
              help="Also write to bodies outside the comparison groups (combined authorities, the GLA).")
@average_option
@format_option("text", "json")
@skip_invalid_option
def letters(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
            authorities_path: Path | None, year: BusinessYear | None, out_dir: Path | None,
            authority_names: tuple[str, ...], template: Path | None, contacts_path: Path | None,
            letter_date: Any, pdf: bool, jobs: int | None, chart: bool | None, other_bodies: bool | None,
            average: str | None,
            output_format: str, skip_invalid: bool) -> None:
    """Write one Word letter per council for a business year, and a manifest.csv beside them.

    Every council active in the year that belongs to a comparison group gets a letter named after it
    (bassetlaw-district-council.docx). Files are written whole or not at all; the manifest lists each
    letter with its SHA-256 and the figures it states. Rerunning gives byte-identical files.

    \b
    Examples:
      ombudsman letters --year 2020
      ombudsman letters --year 2020 --authority Bassetlaw --out /tmp/letters
      ombudsman letters --year 2020 --pdf --jobs 2
      ombudsman letters --year 2021 --letter-date 2021-07-21 --template my-letter.docx
    """
    from .contacts import load_contacts
    from .letters import default_jobs, plan_letters, write_letters
    from .rendering import DocumentProperties, LetterRenderer, find_template
    from .stats import compute_statistics

    session = Session(config_path, decisions_path, sheet, authorities_path)
    settings = session.settings
    codes = [a.code for a in session.find_authorities(authority_names)]
    if pdf:
        from .pdf import require_soffice

        require_soffice()
    decisions = session.valid_decisions(skip_invalid)
    year = session.year_or_latest(year)
    session.note_empty_year(year)
    day = letter_date.date() if letter_date else settings.letter_dates.get(year.end_year)
    if day is None:
        from datetime import date

        day = date.today()
        _stderr(f"Letters dated today ({day.isoformat()}): set --letter-date or [letters] dates in ombudsman.toml.")
    template_path = find_template(year.end_year, template or settings.template)
    statistics = compute_statistics(decisions.records, session.register, year, _average_method(average or settings.average),
                                    few_cases=settings.few_cases)
    contacts_file = contacts_path or settings.contacts
    contacts = load_contacts(contacts_file, session.register) if contacts_file else {}
    planned = plan_letters(statistics, day, contacts, codes,
                           settings.other_bodies if other_bodies is None else other_bodies,
                           settings.chart if chart is None else chart)
    renderer = LetterRenderer(template_path, DocumentProperties(f"Annual Review letter {year.end_year}", day))
    generic = "" if f"{year.end_year}" in template_path.name else " (the generic template: none for this year)"
    folder = out_dir or settings.letters_folder(year.end_year)
    workers = jobs or settings.jobs or default_jobs()
    _stderr(f"Template: {template_path}{generic}")
    try:
        run = _with_progress(
            len(planned), pdf, output_format == "text",
            lambda progress, pdf_progress: write_letters(planned, renderer, folder, workers, pdf, progress,
                                                         pdf_progress),
        )
    except KeyboardInterrupt:
        _stderr(f"Interrupted. The letters already written are complete and {folder / 'manifest.csv'} lists "
                "exactly them; run the command again to write them all.")
        sys.exit(130)
    pdfs = sum(1 for w in run.letters if w.pdf)
    if output_format == "json":
        from .letters import manifest_rows
        from .output import to_json

        click.echo(to_json({
            "year": year.end_year, "template": str(template_path), "folder": str(folder),
            "letter_date": day.isoformat(), "letters": len(run.letters), "pdfs": pdfs,
            "manifest": str(run.manifest), "files": manifest_rows(run.letters),
        }), nl=False)
    else:
        made = f"{len(run.letters)} letter{'s' if len(run.letters) != 1 else ''}" + (f" and {pdfs} PDFs" if pdf else "")
        click.echo(f"Wrote {made} for {year.label} to {folder} (manifest: {run.manifest}).")


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
    """Export every authority's published figures for the "Your council's performance" map.

    One record per authority, keyed by GSS code: the three rates with their counts, the averages of
    similar authorities, upheld decisions per 100,000 residents, and the trend over three years.
    Rates are fractions from 0 to 1 at full precision; empty (null) where undefined.

    \b
    Examples:
      ombudsman export --year 2020 --output map-2020.csv
      ombudsman export --year 2020 --format json --output map-2020.json
    """
    from .output import to_csv, to_json
    from .stats import EXPORT_FIELDS, compute_statistics, export_record

    session = Session(config_path, decisions_path, sheet, authorities_path)
    decisions = session.valid_decisions(skip_invalid)
    year = session.year_or_latest(year)
    session.note_empty_year(year)
    statistics = compute_statistics(decisions.records, session.register, year,
                                    _average_method(average or session.settings.average), few_cases=session.settings.few_cases)
    rows = [export_record(e) for e in sorted(statistics.authorities, key=lambda e: e.authority.code)]
    if output_format == "json":
        _emit(to_json({
            "year": year.end_year,
            "period": {"start": year.start.isoformat(), "end": year.end.isoformat()},
            "average_method": statistics.average_method,
            "authorities": {row["code"]: row for row in rows},
        }), output)
    else:
        _emit(to_csv(rows, EXPORT_FIELDS), output)


def _with_progress(total: int, pdf: bool, show: bool, work: Callable[..., Any]) -> Any:
    """A rich progress bar on a terminal; nothing on a pipe or in a scheduled job (the summary says it all)."""
    if not (show and sys.stderr.isatty()):
        return work(None, None)
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        docx_task = bar.add_task("Letters", total=total)
        pdf_task = bar.add_task("PDF", total=total, visible=pdf)
        return work(lambda n: bar.advance(docx_task, n), lambda n: bar.advance(pdf_task, n))


def _sorted(entries: list[Any], field: str) -> list[Any]:
    if field == "name":
        return sorted(entries, key=lambda e: e.authority.name)
    if field == "code":
        return sorted(entries, key=lambda e: e.authority.code)

    def key(entry: Any) -> tuple[bool, Any, str]:
        value = getattr(entry.counts, field) if hasattr(entry.counts, field) else entry.rate(field)
        return (value is None, -(value or 0), entry.authority.name)

    return sorted(entries, key=key)


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="ombudsman")


if __name__ == "__main__":  # pragma: no cover
    main()

