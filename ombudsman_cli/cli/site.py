"""``ombudsman site``: publish the year as a static website of every council's figures and letter."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..data.values import plural
from ..years import BusinessYear
from .base import (
    Session,
    average_option,
    cli,
    emit,
    format_option,
    input_options,
    jobs_option,
    skip_invalid_option,
    stderr,
    year_option,
)


@cli.command()
@input_options
@year_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the site [default: site/<year>, or [files] site in the config].")
@click.option("--letters", "letters_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The letters folder made by 'letters' [default: [files] letters in the config, for the year].")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of page templates [default: letter_templates/site].")
@jobs_option
@click.option("--serve", is_flag=True, help="Then serve the site on localhost for a preview (Ctrl-C stops it).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port for --serve (0: any free one).")
@click.option("--published", "published_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON or SQLite download of the year's site as first published: add a page of revisions.")
@average_option
@format_option("text", "json")
@skip_invalid_option
def site(config_path: Path | None, decisions_path: Path | None, sheet: str | None, authorities_path: Path | None,
         year: BusinessYear | None, out_dir: Path | None, letters_dir: Path | None, templates_dir: Path | None,
         jobs: int | None, serve: bool, port: int, published_path: Path | None, average: str | None,
         output_format: str, skip_invalid: bool) -> None:
    """Publish the year as a static website.

    Every council's figures and its letter, HTML first.

    The same statistics as 'stats', and the letters folder made by 'letters' (with --pdf for PDFs to
    download): a home page of every council, a page for each (its rates beside the averages, as words,
    a chart and tables, the trend, the breakdowns and the letter itself as HTML, with the Word and PDF
    files), the data as CSV, JSON, a spreadsheet and an SQLite database, and an accessibility statement.
    It works from the folder itself, on any static host, and loads nothing from another site.

    \b
    Examples:
      ombudsman site --year 2020
      ombudsman site --year 2020 --out /var/www/performance/2020
      ombudsman site --year 2020 --serve          then open the address it prints
      ombudsman site --year 2020 --published first/ombudsman-2020.json   with a page of revisions
      datasette site/2020/data/ombudsman-2020.db -m site/2020/data/metadata.json
    """
    from ..config import default_jobs
    from ..publish.letter_html import LetterConversions
    from ..publish.site import build_site

    session = Session(config_path, decisions_path, sheet, authorities_path)
    settings = session.settings
    jobs = jobs or settings.jobs or default_jobs()
    with contextlib.ExitStack() as stack:
        # With the year given, the letters start converting (most of a site's time) while the export is read.
        conversions = stack.enter_context(LetterConversions(letters_dir or settings.letters_folder(year.end_year),
                                                            year.end_year, jobs)) if year else None
        statistics = session.statistics(year, skip_invalid, average)
        year = statistics.year
        revisions = None
        if published_path is not None:
            from ..revisions import compare_published, read_published

            # Read before the build, which may replace that very download; a wrong file changes nothing.
            published = read_published(published_path, year.end_year)
            revisions = compare_published(published, statistics, published_path.name)
        folder = out_dir or settings.site_folder(year.end_year)
        letters = letters_dir or settings.letters_folder(year.end_year)
        if not (letters / "manifest.csv").is_file():
            stderr(f"Note: {letters} has no letters (no manifest.csv): the council pages say the letter is not "
                   f"published yet. Run 'ombudsman letters --year {year.end_year} --pdf' first to publish them.")
        site_settings = settings.site
        if site_settings.contact_email is None:  # readers write to whoever the letters come from
            site_settings = replace(site_settings, contact_email=settings.email.reply_to or settings.email.sender)
        build = build_site(statistics, folder, letters, templates_dir, jobs, settings.letter_dates.get(year.end_year),
                           site_settings, source=session.decisions_path, conversions=conversions,
                           revisions=revisions)
    for note in build.notes:
        stderr(f"Note: {note}")
    if output_format == "json":
        from ..output import to_json

        emit(to_json({"year": year.end_year, "folder": str(folder), "councils": build.councils,
                            "letters": build.letters, "files": len(build.files), "manifest": str(folder / "manifest.csv"),
                            "notes": build.notes}))
    else:
        click.echo(f"Wrote the site for {year.label} to {folder}: {plural(build.councils, 'council')}, {build.letters:,} "
                   f"with their letter, {plural(len(build.files), 'file')} (manifest: {folder / 'manifest.csv'}). Open "
                   f"{folder / 'index.html'}.")
    if serve:
        _serve(folder, port)


def _serve(folder: Path, port: int) -> None:
    """A preview on localhost, until Ctrl-C."""
    import functools
    import gc
    import http.server

    gc.enable()  # serving lasts until Ctrl-C, not one batch: its garbage is collected as usual
    handler: Any = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        address = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        click.echo(f"Serving {folder} at {address} (Ctrl-C to stop).")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            stderr("Stopped serving.")
