"""``ombudsman letters``: one Word letter (and PDF) per council, and the manifest."""

from __future__ import annotations

import contextlib
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from ..data.values import plural, some_of
from ..errors import OmbudsmanError, Terminated
from ..years import BusinessYear
from .base import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Session,
    average_option,
    cli,
    emit,
    format_option,
    input_options,
    jobs_option,
    refuse_overwriting,
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
@click.option("--letter-date", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Date printed on the letters, ISO (2020-07-22) [default: [letters] dates in the config, else today].")
@click.option("--pdf", is_flag=True, help="Also write a PDF beside each letter (needs LibreOffice).")
@jobs_option
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
    """Write one Word letter per council for a business year.

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
    session = Session(config_path, decisions_path, sheet, authorities_path)
    settings = session.settings
    session.read_ahead()  # the export is read while the letters' libraries load
    codes = [a.code for a in session.find_authorities(authority_names)]

    from ..config import default_jobs
    from ..data.contacts import Contacts, load_contacts
    from ..letters.manifest import MANIFEST_NAME
    from ..letters.rendering import DocumentProperties, LetterRenderer, check_letter_date, resolve_letter_date
    from ..letters.run import plan_letters, write_letters
    from ..models import Signatory
    from ..templates import find_template

    day = letter_date.date() if letter_date else None
    if day is not None:
        check_letter_date(day)
    if pdf:
        from ..letters.pdf import require_soffice

        require_soffice()

    def prepare(year: BusinessYear) -> tuple[date, list[str], Path, Path | None, Contacts | None, LetterRenderer]:
        """The letter date, the template and its renderer, the contacts: what the letters are made with."""
        letters_day, notes = resolve_letter_date(year, day, settings.letter_dates)
        template_path = find_template(year.end_year, template or settings.template)
        contacts_file = contacts_path or settings.contacts
        contacts = load_contacts(contacts_file, session.register) if contacts_file else None
        renderer = LetterRenderer(template_path, DocumentProperties(f"Annual Review letter {year.end_year}",
                                                                    letters_day))
        return letters_day, notes, template_path, contacts_file, contacts, renderer

    early = None
    if year is not None:  # made while the export is read; a problem with them is raised below, in its turn
        with contextlib.suppress(OmbudsmanError, OSError):
            early = prepare(year)
    statistics = session.statistics(year, skip_invalid, average)
    year = statistics.year
    day, notes, template_path, contacts_file, contacts, renderer = early or prepare(year)
    for note in notes:
        stderr(note)
    if contacts is not None and contacts.ignored:
        stderr(f"Note: {contacts_file}: column{'s' if len(contacts.ignored) != 1 else ''} not read: "
               f"{', '.join(map(repr, contacts.ignored))} (the columns read are authority, title, forename, "
               "surname, job_title, email and link_officer_email).")
    planned = plan_letters(statistics, day, contacts, codes,
                           settings.other_bodies if other_bodies is None else other_bodies,
                           settings.chart if chart is None else chart,
                           Signatory(settings.signatory, settings.signatory_titles))
    folder = out_dir or settings.letters_folder(year.end_year)
    inputs = [*session.inputs(), template_path, *([contacts_file] if contacts_file else [])]
    refuse_overwriting([folder / MANIFEST_NAME, *(folder / p.filename for p in planned),
                        *(folder / p.filename.replace(".docx", ".pdf") for p in planned)], inputs, "--out")
    workers = jobs or settings.jobs or default_jobs()
    stderr(f"Template: {template_path}{_which_template(template, settings.template, template_path, year.end_year)}")
    if renderer.images_without_description:
        stderr(f"Warning: {template_path} has pictures without alternative text ("
               f"{', '.join(map(repr, renderer.images_without_description))}): a reader who cannot see them misses "
               "them, and the PDFs do not claim PDF/UA. In Word, right-click the picture > View Alt Text.")
    try:
        run = with_progress(
            output_format == "text", [("Letters", len(planned))] + ([("PDF", len(planned))] if pdf else []),
            lambda progress, pdf_progress=None: write_letters(planned, renderer, folder, workers, pdf, progress,
                                                              pdf_progress, keep_others=bool(authority_names)),
        )
    except KeyboardInterrupt:
        stderr(f"Interrupted: nothing in {folder} was changed (it holds what the last complete run wrote, and its "
               "manifest lists exactly that); run the command again to write the letters.")
        sys.exit(EXIT_TERMINATED if isinstance(sys.exc_info()[1], Terminated) else EXIT_INTERRUPTED)
    for note in _folder_notes(run):
        stderr(note)
    resend = _changed_since_sent(run, year)
    if resend:
        stderr(f"Sent before, and changed since: {plural(len(resend), 'council')} hold{'s' if len(resend) == 1 else ''} "
               f"a letter that differs from this one ({some_of(resend, 10)}). 'send' will not send it again by "
               f"itself; to send the new letter: ombudsman send --year {year.end_year} --send --resend NAME.")
    pdfs = sum(1 for w in run.letters if w.pdf)
    if output_format == "json":
        from ..letters.run import manifest_rows
        from ..output import to_json

        emit(to_json({
            "year": year.end_year, "template": str(template_path), "folder": str(folder),
            "letter_date": day.isoformat(), "letters": len(run.letters), "pdfs": pdfs,
            "manifest": str(run.manifest), "files": manifest_rows(run.letters),
            "kept": run.kept, "removed": run.removed, "unlisted": run.unlisted, "changed_since_sent": resend,
        }))
    else:
        made = plural(len(run.letters), "letter") + (f" and {plural(pdfs, 'PDF')}" if pdf else "")
        click.echo(f"Wrote {made} for {year.label} to {folder} (manifest: {run.manifest}).")


def _changed_since_sent(run: Any, year: BusinessYear) -> list[str]:
    """The councils whose letter, as now written, is not the one the send ledger says they were sent."""
    from ..send.ledger import Ledger

    sent, _ = Ledger(run.folder).councils(year)
    return [w.planned.context["authority"] for w in run.letters
            if (record := sent.get(w.planned.context["code"])) and record.sent_sha256
            and w.sha256 not in record.sent_sha256]


def _which_template(given: Path | None, configured: Path | None, found: Path, year: int) -> str:
    if given is not None:
        return " (given with --template)"
    if configured is not None:
        return " (from [files] template in the config file)"
    return "" if found.name == f"annual-review-letter-{year}.docx" else " (the generic template: none for this year)"


def _folder_notes(run: Any) -> list[str]:
    """What else is in the folder, so that nothing there goes unmentioned."""
    def names(files: list[str]) -> str:
        return some_of(files, 10)

    notes = []
    if run.kept:
        notes.append(f"Kept {len(run.kept)} letter{'s' if len(run.kept) != 1 else ''} of an earlier run that this run "
                     f"did not write (it wrote only the councils asked for): {names(run.kept)}. The manifest lists them.")
    if run.removed:
        notes.append(f"Removed {len(run.removed)} letter{'s' if len(run.removed) != 1 else ''} of an earlier run that "
                     f"this run did not write: {names(run.removed)}.")
    if run.unlisted:
        notes.append(f"Not in the manifest: {names(run.unlisted)} (in the folder, but not made by ombudsman or changed "
                     "since it was; move them elsewhere if they are not letters to send).")
    return notes
