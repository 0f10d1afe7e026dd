"""Publishing the year: a static website of every council's figures and letter, HTML first.

From the year's statistics (the same as ``stats``) and the letters folder (``manifest.csv``, the Word
letters and their PDFs), :func:`build_site` writes a folder that works from any static host, or opened
from the disk, with no server and no request to any other site:

- ``index.html``: England's figures, each comparison group's averages, and a table of every council
  (sortable and filterable with script; ordered by name, and complete, without);
- ``councils/<name>.html``: a council's three rates beside its group's averages, in words and as a chart
  (inline SVG, its figures also in a table), the trend, the breakdowns, and the letter itself as HTML,
  converted from the Word letter by mammoth, with the Word and PDF files to download;
- ``data/``: the figures as CSV, JSON (the records of ``export``), a spreadsheet and an SQLite database
  that Datasette serves as it is; ``about.html`` and ``accessibility.html``;
- ``manifest.csv``: every file with its SHA-256.

The pages come from Jinja templates in ``letter_templates/site/`` (sandboxed, autoescaped), so the team
edits their words as they edit the letters. The same inputs give byte-identical files. The folder is
built beside its final place and swapped in whole, so a reader never sees half a site.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..config import SiteSettings
from ..data.values import plural, some_of
from ..errors import SiteProblem
from ..files import current_umask, sync_folder
from ..folders import FolderKind, claim
from ..letters.chart import chart_svg
from ..letters.context import interval_texts, letter_context, one_decimal, shown_percent
from ..letters.manifest import file_sha256
from ..models import Contact
from ..naming import file_stems, group_stem
from ..revisions import Revisions
from ..stats import COMPARED_RATES, RATE_NAMES, AuthorityStatistics, Averages, YearStatistics
from ..templates import describe_failure, sandboxed_environment, site_template_folder
from ..years import long_date
from .columns import AUTHORITY_COLUMNS
from .data import DataDescription, size_text, write_data
from .funnel import Funnel, funnels, judgement_text
from .letter_html import LetterConversions, with_chart
from .revisions import revisions_context

MANIFEST = "manifest.csv"
ASSETS = ("site.css", "site.js")



@dataclass
class CouncilPage:
    entry: AuthorityStatistics
    stem: str
    figures: dict[str, Any] = field(default_factory=dict)  # the letter's variables: the page says what it says
    letter_html: str | None = None
    word: dict[str, Any] | None = None
    pdf: dict[str, Any] | None = None
    note: str | None = None


@dataclass
class SiteBuild:
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # relative path -> SHA-256
    councils: int = 0
    letters: int = 0
    notes: list[str] = field(default_factory=list)


def build_site(
    statistics: YearStatistics,
    out: Path,
    letters_folder: Path | None = None,
    templates: Path | None = None,
    jobs: int = 1,
    published: date | None = None,
    settings: SiteSettings | None = None,
    built: date | None = None,
    source: Path | None = None,
    conversions: LetterConversions | None = None,
    revisions: Revisions | None = None,
) -> SiteBuild:
    """Write the year's site into ``out``, replacing what an earlier build put there and keeping every file
    it did not make (a ``CNAME``, a verification page). ``out`` must be new, empty or the site of the same
    year, and ``letters_folder`` the letters (:class:`WrongFolder` otherwise, before anything is written).
    ``settings`` is what the pages say of the publisher (contact, licence); ``built`` the date the build
    carries (:func:`build_date` by default); ``source`` the export the figures come from, which the data
    page and the data's metadata name with its SHA-256. ``conversions``, if given, are the letters of
    ``letters_folder`` already being converted (:class:`LetterConversions`, for the same year and folder),
    which ``site`` starts before it reads the export; they are closed here. ``revisions`` (what changed since
    the year was published, :func:`~ombudsman_cli.revisions.compare_published`) makes a revisions page,
    linked from the home page and from the page of every council it names."""
    template_folder = site_template_folder(templates)
    year = statistics.year.end_year
    with conversions or LetterConversions(letters_folder, year, jobs) as letters:
        if letters.folder != letters_folder:
            raise ValueError(f"the conversions are of {letters.folder}, not of the letters folder {letters_folder}")
        return _build(statistics, out, letters, template_folder, published, settings, built, source, revisions)


def _build(statistics: YearStatistics, out: Path, letters: LetterConversions, template_folder: Path,
           published: date | None, settings: SiteSettings | None, built: date | None, source: Path | None,
           revisions: Revisions | None) -> SiteBuild:
    year = statistics.year.end_year
    _check_folder(out, year)
    foreign = _foreign_files(out)
    councils = [e for e in statistics.authorities if e.authority.group and e.counted]  # the councils counted
    rows = letters.rows
    stems = file_stems([e.authority for e in councils])
    for code, row in rows.items():
        if code in stems:
            stems[code] = Path(row["file"]).stem  # the page is named as the letter is
    day = published or date(year, 7, 1)
    pages = [CouncilPage(e, stems[e.authority.code]) for e in councils]
    build = SiteBuild(out, councils=len(pages))
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent if out.parent.exists() else None))
    os.chmod(staging, 0o777 & ~current_umask())  # a web server reads it; mkdtemp makes it private
    try:
        build.letters = len(_letter_files(pages, rows, letters.folder, staging, build))
        # The letters convert in worker processes while this one writes everything else (most of the time
        # a site takes); each council's page is written once its letter is ready.
        for page in pages:
            page.figures = letter_context(page.entry, day, Contact(), notes=statistics.notes)
        about = DataDescription(settings or SiteSettings(), built or build_date(), source.name if source else None,
                                file_sha256(source) if source else None)
        downloads = write_data(statistics, staging / "data", about)
        pages_writer = _PagesWriter(statistics, pages, template_folder, staging, published, about, revisions)
        pages_writer.write_home_pages(pages, downloads)
        for page in pages:
            if page.word is not None:
                page.letter_html = with_chart(_letter_html(letters, page.word), _letter_chart(page))
            pages_writer.write_council_page(page)
        (staging / "assets").mkdir()
        for asset in ASSETS:
            shutil.copyfile(template_folder / "assets" / asset, staging / "assets" / asset)
        build.files = _manifest(staging)
        _keep_foreign(foreign, out, staging, build)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return build


def _check_folder(out: Path, year: int) -> None:
    """Refuse to build in a folder that holds anything but an earlier build of this year's site."""
    claim(out, FolderKind.SITE, year, "--out")
    out.parent.mkdir(parents=True, exist_ok=True)


def _foreign_files(out: Path) -> dict[str, str | None]:
    """Files of an earlier build that it did not make, or that were changed since: relative path -> the
    SHA-256 the build gave it (``None`` for a file it never made)."""
    if not out.is_dir():
        return {}
    made: dict[str, str] = {}
    try:
        with (out / MANIFEST).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("file") and row.get("sha256"):
                    made[row["file"]] = row["sha256"]
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    foreign: dict[str, str | None] = {}
    for path in sorted(out.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        relative = path.relative_to(out).as_posix()
        if relative == MANIFEST:
            continue
        if relative not in made or path.is_symlink() or file_sha256(path) != made[relative]:
            foreign[relative] = made.get(relative)
    return foreign


def _keep_foreign(foreign: dict[str, str | None], out: Path, staging: Path, build: SiteBuild) -> None:
    """Carry the files that the earlier build did not make into the new one; refuse (before the site
    changes) when the new build would replace one of them."""
    clashes = sorted(relative for relative in foreign if (staging / relative).exists()
                     or any((staging / parent).is_file() for parent in Path(relative).parents if str(parent) != "."))
    if clashes:
        shown = some_of(clashes)
        raise SiteProblem(
            f"{out} holds {shown}, which ombudsman did not make there (or which {'were' if len(clashes) > 1 else 'was'} "
            f"changed since), and this build would replace {'them' if len(clashes) > 1 else 'it'}: nothing was "
            "changed. Move them out of the site folder (or delete them) and build again."
        )
    for relative in foreign:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        source = out / relative
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    if foreign:
        shown = some_of(list(foreign))
        build.notes.append(f"kept {len(foreign)} file{'s' if len(foreign) != 1 else ''} that ombudsman did not make: "
                           f"{shown}")


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by the new build with two renames: never a half-written site."""
    previous = None
    if out.exists():
        previous = out.with_name(f".{out.name}-previous-{os.getpid()}")
        os.replace(out, previous)
    os.sync()  # every file of the new build on disk before it takes the folder's name
    os.replace(staging, out)
    sync_folder(out.parent)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


# -- the letters ---------------------------------------------------------------------------------------

def _letter_files(pages: list[CouncilPage], rows: dict[str, dict[str, str]], letters_folder: Path | None,
                  staging: Path, build: SiteBuild) -> list[CouncilPage]:
    """Copy each council's Word letter and PDF into the site (those that are as their manifest says);
    return the pages whose letter is to be converted to HTML."""
    (staging / "letters").mkdir(parents=True)
    with_letters = []
    for page in pages:
        row = rows.get(page.entry.authority.code)
        if row is None and not page.entry.authority.is_active_in(page.entry.year):
            page.note = (f"{page.entry.authority.name} had ended by the time of our annual review letters for the "
                         "year, so there is no letter to it.")
            continue
        if row is None or letters_folder is None:
            page.note = "The letter to this council is not published yet."
            continue
        word = letters_folder / row["file"]
        if file_sha256(word) != row["sha256"]:
            page.note = "The letter to this council is not published yet."
            build.notes.append(f"{row['file']} is missing or changed since it was made (its SHA-256 is not the "
                               "manifest's): its page has no letter")
            continue
        shutil.copyfile(word, staging / "letters" / row["file"])
        page.word = {"href": f"letters/{row['file']}", "kind": "Word document", "size": size_text(word), "source": word,
                     "sha256": row["sha256"]}
        pdf = letters_folder / row["pdf"] if row.get("pdf") else None
        if pdf is not None and file_sha256(pdf) == row.get("pdf_sha256"):
            shutil.copyfile(pdf, staging / "letters" / row["pdf"])
            page.pdf = {"href": f"letters/{row['pdf']}", "kind": "PDF", "size": size_text(pdf)}
        elif pdf is not None:
            build.notes.append(f"{row['pdf']} is missing or changed since it was made (its SHA-256 is not the "
                               "manifest's): its page offers the Word letter only")
        with_letters.append(page)
    return with_letters


def _letter_html(letters: LetterConversions, word: dict[str, Any]) -> str:
    """The HTML of the Word letter the page offers, which must be the bytes its manifest vouches for."""
    try:
        sha256, html = letters.html(word["source"].name)
    except Exception as error:  # mammoth's own errors (a zip, XML or key error) say nothing of the file
        raise SiteProblem(f"{word['source']} cannot be read as a Word document ({type(error).__name__}: {error}); "
                          "make the letters again with 'ombudsman letters'.") from error
    if sha256 != word["sha256"]:
        raise SiteProblem(f"{word['source']} changed while the site was being built; build it again.")
    return html


def _letter_chart(page: CouncilPage) -> str:
    return chart_svg(page.figures["chart"], "letter-chart") if page.figures["chart"]["shown"] else ""


# -- the pages -----------------------------------------------------------------------------------------

def _environment(folder: Path) -> Any:
    from jinja2 import FileSystemLoader

    environment = sandboxed_environment(autoescape=True, loader=FileSystemLoader(str(folder)))
    environment.filters["percent"] = lambda value: shown_percent(value) or "no rate"
    environment.filters["decimal"] = lambda value: one_decimal(value) or "not available"
    environment.filters["sort_value"] = lambda value: "" if value is None else f"{float(value):.6f}"
    environment.globals["plural"] = plural
    return environment


def _render(environment: Any, name: str, target: Path, **context: Any) -> None:
    try:
        html = environment.get_template(name).render(**context)
    except Exception as error:  # a template is the team's to mend: named, never a traceback
        source = None
        try:
            source = environment.loader.get_source(environment, name)[0]
        except Exception:  # noqa: S110 - no source to show is no reason to hide the error
            pass
        raise describe_failure(f"site template {name} cannot be used", error, source,
                               "Correct the tag (the README lists the variables).") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


# A rate's judgement in the table of councils: its mark, its words for a screen reader, its order when sorted.
_JUDGED_MARKS = {
    "much_higher": {"mark": "▲▲", "words": "well above the expected range", "rank": 2},
    "higher": {"mark": "▲", "words": "higher than expected", "rank": 1},
    "expected": {"mark": "", "words": "", "rank": 0},
    "lower": {"mark": "▼", "words": "lower than expected", "rank": -1},
    "much_lower": {"mark": "▼▼", "words": "well below the expected range", "rank": -2},
}


def _revised_anchor(entry: AuthorityStatistics, revised: set[str], own: set[str]) -> str | None:
    """Where on the revisions page a council's page links: its own entry, its group's average, or nowhere."""
    code = entry.authority.code
    if code not in revised:
        return None
    return code if code in own else group_stem(entry.authority.group or "")


def _existence(entry: AuthorityStatistics) -> str | None:
    """For a council counted though not active at the year's end: when it ended, or began."""
    authority, year = entry.authority, entry.year
    if authority.is_active_in(year):
        return None
    if authority.start is not None and authority.start > year.end:
        return f"{authority.name} began on {long_date(authority.start)}, after the end of the year"
    last_day = authority.last_day
    return f"{authority.name} ended on {long_date(last_day)}" if last_day else None


def _interval_text(interval: tuple[float, float] | None) -> str:
    low, high = interval_texts(interval)
    return f"{low} to {high}" if interval is not None else ""


def _group_row(averages: Averages) -> dict[str, Any]:
    totals = averages.totals
    return {
        "name": averages.name, "authorities": averages.authorities, "href": f"groups/{group_stem(averages.name)}.html",
        "uphold_rate": averages.uphold_rate, "investigated": totals.investigated,
        "compliance_rate": averages.compliance_rate, "compliance_outcomes": totals.compliance_outcomes,
        "satisfactory_remedy_rate": averages.satisfactory_remedy_rate, "upheld": totals.upheld,
        "upheld_per_100k": averages.upheld_per_100k,
    }


class _PagesWriter:
    """The pages from the site's templates, with what every page says (the year, the method, the publisher)."""

    def __init__(self, statistics: YearStatistics, pages: list[CouncilPage], template_folder: Path, staging: Path,
                 published: date | None, about: DataDescription, revisions: Revisions | None = None) -> None:
        self.statistics = statistics
        self.revisions = revisions
        # Councils whose own figures changed (their page links to their entry), and those whose group's
        # average did (to the group's).
        self.revised = set(revisions.councils()) if revisions else set()
        self.revised_own = {r.code for r in revisions.changed if not r.of_group} if revisions else set()
        self.by_code = {p.entry.authority.code: p for p in pages}
        # Each comparison group's funnel plots, drawn once: a council's page marks itself on its group's.
        self.funnels = {group: funnels(group, [p.entry for p in pages if p.entry.authority.group == group])
                        for group in statistics.averages}
        self.staging = staging
        self.environment = _environment(template_folder)
        year = statistics.year
        self.common = {
            "year": year.end_year, "year_label": year.label, "period": year.period_text,
            "average_method": statistics.average_method, "few_cases": statistics.few_cases,
            "published": long_date(published) if published else None,
            "site": about.settings, "built": long_date(about.built), "wcag": wcag_version(about.built),
            "tested": accessibility_test(template_folder, about.settings),
            "source": about.source, "source_sha256": about.source_sha256,
            "authority_columns": AUTHORITY_COLUMNS,
            "has_revisions": revisions is not None,
        }

    def write_home_pages(self, pages: list[CouncilPage], downloads: list[dict[str, str]]) -> None:
        """The home page with its table of every council, the data page, about and accessibility."""
        statistics, staging, common = self.statistics, self.staging, self.common
        groups = [_group_row(a) for a in statistics.averages.values()]
        councils = [{
            "name": p.entry.authority.name, "href": f"councils/{p.stem}.html", "group": p.entry.authority.group,
            "uphold_rate": p.entry.uphold_rate, "investigated": p.entry.counts.investigated,
            "compliance_rate": p.entry.compliance_rate, "compliance_outcomes": p.entry.counts.compliance_outcomes,
            "satisfactory_remedy_rate": p.entry.satisfactory_remedy_rate, "upheld": p.entry.counts.upheld,
            "upheld_per_100k": p.entry.upheld_per_100k, "small": [n for n in RATE_NAMES if p.entry.is_small(n)],
            "judged": {n: _JUDGED_MARKS.get(p.entry.vs_average(n) or "") for n in COMPARED_RATES},
        } for p in sorted(pages, key=lambda p: p.entry.authority.name)]
        _render(self.environment, "index.html", staging / "index.html", root="", page="home", **common,
                national=_group_row(statistics.national), groups=groups, councils=councils,
                group_names=sorted({c["group"] for c in councils}))
        for name in ("about.html", "accessibility.html"):
            _render(self.environment, name, staging / name, root="", page=name.removesuffix(".html"), **common)
        _render(self.environment, "data.html", staging / "data.html", root="", page="data", **common, downloads=downloads)
        if self.revisions is not None:
            hrefs = {code: f"councils/{page.stem}.html" for code, page in self.by_code.items()}
            _render(self.environment, "revisions.html", staging / "revisions.html", root="", page="revisions",
                    **common, revisions=revisions_context(self.revisions, hrefs))
        for group, drawn in self.funnels.items():
            _render(self.environment, "group.html", staging / "groups" / f"{group_stem(group)}.html", root="../",
                    page="group", **common, group=group, average=_group_row(statistics.averages[group]),
                    funnels=[self._funnel(funnel, f"funnel-{funnel.rate}") for funnel in drawn])

    def _funnel(self, funnel: Funnel, identifier: str, highlight: str | None = None) -> dict[str, Any]:
        """A funnel plot for a template: its title, drawing and description, and (on the group's page, not a
        council's, which marks ``highlight`` in it) its table's rows."""
        pages = self.by_code
        rows = [] if highlight else [{"name": point.name, "href": f"councils/{pages[point.code].stem}.html" if point.code in pages else None,
                 "total": point.total, "count": point.count, "rate": shown_percent(Fraction(point.count, point.total)),
                 "interval": _interval_text(pages[point.code].entry.interval(funnel.rate)) if point.code in pages else "",
                 "judgement": judgement_text(point.judgement)}
                for point in sorted(funnel.points, key=lambda p: p.name)]
        marked = next((p for p in funnel.points if p.code == highlight), None)
        return {"rate": funnel.rate, "title": funnel.title, "svg": funnel.svg(identifier, highlight),
                "description": funnel.description(marked), "out_of": funnel.out_of, "rows": rows,
                "average": shown_percent(funnel.average)}

    def write_council_page(self, page: CouncilPage) -> None:
        entry, figures = page.entry, page.figures
        group = entry.authority.group or ""
        compared = [self._funnel(funnel, f"funnel-{funnel.rate}", entry.authority.code)
                    for funnel in self.funnels.get(group, []) if any(p.code == entry.authority.code for p in funnel.points)]
        _render(self.environment, "council.html", self.staging / "councils" / f"{page.stem}.html", root="../",
                page="council", **self.common, council=entry.authority, figures=figures, counts=entry.counts,
                chart=chart_svg(figures["chart"], "rates-chart", public=True), letter_html=page.letter_html,
                word=_link(page.word), pdf=_link(page.pdf), note=page.note,
                small=[n for n in RATE_NAMES if entry.is_small(n)], funnels=compared,
                group_href=f"groups/{group_stem(group)}.html" if group in self.funnels else None,
                revised=_revised_anchor(entry, self.revised, self.revised_own), existence=_existence(entry))


def build_date() -> date:
    """The date a build carries: ``$SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention, so
    that a rebuild on another day gives the same bytes), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


#: The WCAG versions by the date the W3C published each: a statement claims none it could not have known.
WCAG_VERSIONS = ((date(2023, 10, 5), "2.2"), (date(2018, 6, 5), "2.1"), (date(2008, 12, 11), "2.0"))


#: Beside the page templates: when and by whom they were last tested for accessibility.
TESTED_RECORD = "tested.toml"


def accessibility_test(template_folder: Path, settings: SiteSettings) -> dict[str, str] | None:
    """When the pages were last tested for accessibility and by whom, as the statement says it: the
    ``[site]`` settings ``last_tested`` and ``tested_by`` (the publisher's own test), else the templates'
    record (``tested.toml``: ``date``, ``by``); ``None`` when neither says."""
    import tomllib

    record: dict[str, Any] = {}
    path = template_folder / TESTED_RECORD
    if path.is_file():
        try:
            record = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SiteProblem(f"{path}: not valid TOML ({error}); it says when the templates were last tested "
                              "for accessibility (date = 2026-07-01, by = \"who tested them\")") from None
        if not isinstance(record.get("date"), date) or not isinstance(record.get("by"), str):
            raise SiteProblem(f"{path} must give the date of the last accessibility test (date = 2026-07-01) and "
                              "who did it (by = \"...\")")
    if settings.last_tested is not None:
        return {"date": long_date(settings.last_tested), "by": settings.tested_by or "us"}
    return {"date": long_date(record["date"]), "by": record["by"]} if record else None


def wcag_version(day: date) -> str:
    """The latest WCAG published by ``day``."""
    return next((version for published, version in WCAG_VERSIONS if day >= published), "2.0")


def _link(download: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if download is None else {k: v for k, v in download.items() if k != "source"}


def _manifest(staging: Path) -> dict[str, str]:
    """``manifest.csv``: every file of the site (but itself) with its SHA-256, in path order."""
    files = {}
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = path.relative_to(staging).as_posix()
        files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "bytes", "sha256"])
    for relative, digest in files.items():
        writer.writerow([relative, (staging / relative).stat().st_size, digest])
    (staging / MANIFEST).write_text(buffer.getvalue(), encoding="utf-8")
    return files

