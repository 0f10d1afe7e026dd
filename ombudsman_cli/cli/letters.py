"""``ombudsman letters``: one Word letter (and PDF) per council, and the manifest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..years import BusinessYear
from .base import (
    Session,
    average_method,
    average_option,
    cli,
    format_option,
    input_options,
    skip_invalid_option,
    stderr,
    with_progress,
    year_option,
)


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
    from ..contacts import load_contacts
    from ..letters import default_jobs, plan_letters, write_letters
    from ..rendering import DocumentProperties, LetterRenderer, find_template
    from ..stats import compute_statistics

    session = Session(config_path, decisions_path, sheet, authorities_path)
    settings = session.settings
    codes = [a.code for a in session.find_authorities(authority_names)]
    if pdf:
        from ..pdf import require_soffice

        require_soffice()
    decisions, year = session.decisions_for_year(year, skip_invalid)
    day = letter_date.date() if letter_date else settings.letter_dates.get(year.end_year)
    if day is None:
        from datetime import date

        day = date.today()
        stderr(f"Letters dated today ({day.isoformat()}): set --letter-date or [letters] dates in ombudsman.toml.")
    template_path = find_template(year.end_year, template or settings.template)
    statistics = compute_statistics(decisions.records, session.register, year, average_method(average or settings.average),
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
    stderr(f"Template: {template_path}{generic}")
    try:
        run = with_progress(
            len(planned), pdf, output_format == "text",
            lambda progress, pdf_progress: write_letters(planned, renderer, folder, workers, pdf, progress,
                                                         pdf_progress),
        )
    except KeyboardInterrupt:
        stderr(f"Interrupted. The letters already written are complete and {folder / 'manifest.csv'} lists "
                "exactly them; run the command again to write them all.")
        sys.exit(130)
    pdfs = sum(1 for w in run.letters if w.pdf)
    if output_format == "json":
        from ..letters import manifest_rows
        from ..output import to_json

        click.echo(to_json({
            "year": year.end_year, "template": str(template_path), "folder": str(folder),
            "letter_date": day.isoformat(), "letters": len(run.letters), "pdfs": pdfs,
            "manifest": str(run.manifest), "files": manifest_rows(run.letters),
        }), nl=False)
    else:
        made = f"{len(run.letters)} letter{'s' if len(run.letters) != 1 else ''}" + (f" and {pdfs} PDFs" if pdf else "")
        click.echo(f"Wrote {made} for {year.label} to {folder} (manifest: {run.manifest}).")
