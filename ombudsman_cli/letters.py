"""The yearly job: one letter per council, written whole or not at all, with a manifest of exactly
what was written.

Letters are rendered in ``jobs`` worker processes (each compiles the template once) and written by
this process under a temporary name, then renamed: an interrupted run leaves only complete letters,
and the manifest, written last (also on interruption), lists exactly those.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import UsageError
from .output import atomic_writer, neutralise
from .rendering import DocumentProperties, LetterRenderer
from .stats import AuthorityStatistics, YearStatistics
from .wording import Contact, letter_context, manifest_figures

MANIFEST_NAME = "manifest.csv"
Progress = Callable[[int], None]


def letter_filename(official_name: str) -> str:
    """``London Borough of Hammersmith & Fulham`` -> ``london-borough-of-hammersmith-fulham.docx``."""
    return re.sub(r"[^a-z0-9]+", "-", official_name.lower()).strip("-") + ".docx"


@dataclass
class PlannedLetter:
    """One letter to write: to whom, under which name, with which words in its template's places."""

    entry: AuthorityStatistics
    filename: str
    context: dict[str, Any]


@dataclass
class WrittenLetter:
    planned: PlannedLetter
    path: Path
    sha256: str
    pdf: Path | None = None
    pdf_sha256: str = ""


@dataclass
class LettersRun:
    """What a run wrote; ``manifest`` lists exactly ``letters``."""

    folder: Path
    letters: list[WrittenLetter] = field(default_factory=list)
    manifest: Path | None = None


def plan_letters(
    statistics: YearStatistics,
    letter_date: date,
    contacts: dict[str, Contact] | None = None,
    codes: Sequence[str] | None = None,
    other_bodies: bool = False,
    chart: bool = True,
) -> list[PlannedLetter]:
    """The letters for a year: every council active in it that has a comparison group (with
    ``other_bodies``, the other bodies too), or just the authorities in ``codes``."""
    contacts = contacts or {}
    if codes:
        by_code = {e.authority.code: e for e in statistics.authorities}
        unknown = [c for c in codes if c not in by_code]
        if unknown:
            raise UsageError(
                f"no figures for {', '.join(unknown)} in {statistics.year.label}: not active in that year "
                "and no decisions in the export"
            )
        chosen = [by_code[c] for c in dict.fromkeys(codes)]
    else:
        chosen = [
            e for e in statistics.authorities
            if e.authority.is_active_in(statistics.year) and (other_bodies or e.authority.group)
        ]
    planned = []
    names: dict[str, str] = {}
    for entry in chosen:
        filename = letter_filename(entry.authority.name)
        if filename in names:  # two names that differ only in punctuation: keep both letters apart
            filename = filename.replace(".docx", f"-{entry.authority.code.lower()}.docx")
        names[filename] = entry.authority.code
        context = letter_context(entry, letter_date, contacts.get(entry.authority.code), chart)
        planned.append(PlannedLetter(entry, filename, context))
    return planned


# -- rendering in worker processes ------------------------------------------------------------------

_worker_renderer: LetterRenderer | None = None


def _start_worker(template: Path, properties: DocumentProperties) -> None:
    global _worker_renderer
    _worker_renderer = LetterRenderer(template, properties)


def _render_in_worker(context: dict[str, Any]) -> bytes:
    assert _worker_renderer is not None
    return _worker_renderer.render(context)


def _rendered(renderer: LetterRenderer, planned: list[PlannedLetter], jobs: int) -> Iterator[bytes]:
    contexts = [p.context for p in planned]
    if jobs <= 1 or len(planned) < 8:
        yield from (renderer.render(c) for c in contexts)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker,
                               initargs=(renderer.path, renderer.properties))
    try:
        yield from pool.map(_render_in_worker, contexts, chunksize=max(1, min(16, len(contexts) // (jobs * 4))))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def write_letters(
    planned: list[PlannedLetter],
    renderer: LetterRenderer,
    folder: Path,
    jobs: int = 1,
    pdf: bool = False,
    progress: Progress | None = None,
    pdf_progress: Progress | None = None,
) -> LettersRun:
    """Write every planned letter into ``folder`` (and a PDF beside each with ``pdf``), then the manifest.

    The template's variables are checked before anything is written. On any failure or interruption,
    the letters already complete stay, the manifest lists exactly them, and the error goes on up.
    """
    if planned:
        renderer.check(planned[0].context)
    if pdf:
        from .pdf import require_soffice

        require_soffice()  # before any letter is written: no half-done job for want of LibreOffice
    folder.mkdir(parents=True, exist_ok=True)
    run = LettersRun(folder)
    try:
        for letter, content in zip(planned, _rendered(renderer, planned, jobs)):
            path = folder / letter.filename
            with atomic_writer(path, "wb") as stream:
                stream.write(content)
            run.letters.append(WrittenLetter(letter, path, hashlib.sha256(content).hexdigest()))
            if progress:
                progress(1)
        if pdf:
            _add_pdfs(run, jobs, pdf_progress)
    finally:
        run.manifest = write_manifest(run)
    return run


def _add_pdfs(run: LettersRun, jobs: int, progress: Progress | None) -> None:
    from .pdf import convert_to_pdf

    try:
        convert_to_pdf([w.path for w in run.letters], jobs=jobs, progress=progress)
    finally:
        for written in run.letters:
            candidate = written.path.with_suffix(".pdf")
            if candidate.is_file():
                written.pdf = candidate
                written.pdf_sha256 = _sha256(candidate)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MANIFEST_FIELDS = (
    "authority", "code", "authority_type", "file", "sha256", "pdf", "pdf_sha256", "email", "link_officer_email",
    "uphold_percent", "average_uphold_percent", "upheld", "investigated",
    "compliance_percent", "average_compliance_percent", "complied", "compliance_outcomes",
    "satisfactory_remedy_percent", "average_satisfactory_remedy_percent", "satisfactory_remedies",
)


def manifest_rows(letters: Iterable[WrittenLetter]) -> list[dict[str, Any]]:
    rows = []
    for written in letters:
        context = written.planned.context
        rows.append({
            "authority": context["authority"],
            "code": context["code"],
            "authority_type": context["authority_type"],
            "file": written.path.name,
            "sha256": written.sha256,
            "pdf": written.pdf.name if written.pdf else "",
            "pdf_sha256": written.pdf_sha256,
            "email": context["email"],
            "link_officer_email": context["link_officer_email"],
            **manifest_figures(context),
        })
    return rows


def write_manifest(run: LettersRun) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in manifest_rows(run.letters):
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    path = run.folder / MANIFEST_NAME
    with atomic_writer(path) as stream:
        stream.write(buffer.getvalue())
    return path


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
