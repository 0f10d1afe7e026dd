"""The yearly job: one letter per council, and a folder that always tells the truth about them.

A run renders and writes every letter (in ``jobs`` worker processes, each with the template compiled
once) and makes every PDF in a hidden staging folder inside the letters folder, while the folder stays as the
last run left it. Only when everything is made does the run change the folder, in one short step that
Ctrl-C and SIGTERM wait for: the new letters and PDFs are renamed into place, PDFs that no longer
belong to their letter and letters of the last run that this run did not write are removed (or, for a
run of some councils only, kept and said), and ``manifest.csv`` is rewritten. So at every moment the
manifest lists exactly the complete letters in the folder, with their true SHA-256; an interrupted or
failed run leaves the folder as it found it, and no temporary file behind. One run per folder at a
time: a second one is refused.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..data.values import some_of
from ..errors import ConversionError, TemplateProblem, UsageError, WrongFolder
from ..files import atomic_writer, sync_folder
from ..folders import FolderKind, claim
from ..locking import deferred_signals, folder_lock
from ..models import Contact, Signatory
from ..naming import file_stems
from ..output import neutralise
from ..stats import AuthorityStatistics, YearStatistics
from .context import letter_context, manifest_figures
from .manifest import MANIFEST_FIELDS, MANIFEST_NAME, file_sha256, read_manifest
from .rendering import DocumentProperties, LetterRenderer

STAGING_PREFIX = ".ombudsman-run-"
_PARTIAL = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
Progress = Callable[[int], None]
# A file name stays well inside every file system's limit, however long a register's name.
_LONGEST_STEM = 100


@dataclass
class PlannedLetter:
    """One letter to write: to whom, under which name, with which words in its template's places."""

    entry: AuthorityStatistics
    filename: str
    context: dict[str, Any]
    #: Planned for some councils only (``codes``): a run of these keeps the folder's other letters.
    selected: bool = False


@dataclass
class WrittenLetter:
    planned: PlannedLetter
    path: Path
    sha256: str
    pdf: Path | None = None
    pdf_sha256: str = ""


@dataclass
class LettersRun:
    """What a run changed. ``manifest`` lists exactly ``letters`` and ``kept``."""

    folder: Path
    letters: list[WrittenLetter] = field(default_factory=list)
    manifest: Path | None = None
    #: Letters of an earlier run left in the folder and in the manifest (a run of some councils only).
    kept: list[str] = field(default_factory=list)
    #: Letters (and their PDFs) of an earlier run that this run removed.
    removed: list[str] = field(default_factory=list)
    #: Word files in the folder that are not in the manifest: not made by ombudsman, or changed since.
    unlisted: list[str] = field(default_factory=list)
    #: What LibreOffice said of the PDFs it did not make (raised after the folder is written).
    pdf_error: str | None = None


def plan_letters(
    statistics: YearStatistics,
    letter_date: date,
    contacts: dict[str, Contact] | None = None,
    codes: Sequence[str] | None = None,
    other_bodies: bool = False,
    chart: bool = True,
    signatory: Signatory | None = None,
) -> list[PlannedLetter]:
    """The letters for a year: every council active in it that has a comparison group (with
    ``other_bodies``, the other bodies too), or just the authorities in ``codes``.

    File names are unique: two councils whose names come to the same name get their GSS codes added.
    """
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
    stems = file_stems([e.authority for e in chosen])
    planned = []
    for entry in chosen:
        context = letter_context(entry, letter_date, contacts.get(entry.authority.code), chart, signatory,
                                 statistics.notes)
        planned.append(PlannedLetter(entry, f"{stems[entry.authority.code]}.docx", context, selected=bool(codes)))
    return planned


# -- rendering in worker processes ------------------------------------------------------------------

_worker_renderer: LetterRenderer | None = None
_worker_staging: Path | None = None


def _start_worker(renderer: LetterRenderer | tuple[Path, DocumentProperties], staging: Path) -> None:
    global _worker_renderer, _worker_staging
    # Ctrl-C reaches every process of the terminal's group; the main process stops the workers, with
    # SIGTERM, which ends a worker at once (not through the handler it inherited from the main process).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A forked worker has the run's renderer already; a started one compiles the template itself.
    _worker_renderer = renderer if isinstance(renderer, LetterRenderer) else LetterRenderer(*renderer)
    _worker_staging = staging


def _write_in_worker(chunk: list[tuple[str, dict[str, Any]]]) -> list[str]:
    assert _worker_renderer is not None and _worker_staging is not None
    return [_write_letter(_worker_renderer, _worker_staging, *item) for item in chunk]


def _write_letter(renderer: LetterRenderer, staging: Path, filename: str, context: dict[str, Any]) -> str:
    """One letter, rendered and written into ``staging``; its SHA-256. A template error names the letter
    it stopped at."""
    try:
        content = renderer.render(context)
    except TemplateProblem as error:
        raise TemplateProblem(
            f"the letter to {context.get('authority')} ({filename}) could not be made, so no letter was "
            f"written: {error}"
        ) from None
    (staging / filename).write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def _written(renderer: LetterRenderer, staging: Path, planned: list[PlannedLetter], jobs: int,
             progress: Progress | None) -> list[str]:
    """Every planned letter rendered and written into ``staging``: their SHA-256s, in order. With
    ``jobs``, ``jobs - 1`` worker processes take chunks of letters from the front and this process takes
    them from the back until the two meet (the letters never pass between processes)."""
    advance = progress or (lambda letters: None)
    items = [(p.filename, p.context) for p in planned]
    if jobs <= 1 or len(items) < 8:
        written = []
        for item in items:
            written.append(_write_letter(renderer, staging, *item))
            advance(1)
        return written
    size = max(1, min(16, len(items) // (jobs * 4)))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    forked = multiprocessing.get_context().get_start_method() == "fork"
    pool = ProcessPoolExecutor(max_workers=jobs - 1, initializer=_start_worker,
                               initargs=(renderer if forked else (renderer.path, renderer.properties), staging))
    try:
        futures = [pool.submit(_write_in_worker, chunk) for chunk in chunks]
        results: list[list[str] | None] = [None] * len(chunks)
        counted: set[int] = set()

        def count_finished() -> None:  # progress for the workers' chunks, told from this thread
            for number, future in enumerate(futures):
                if number not in counted and future.done() and not future.cancelled():
                    counted.add(number)
                    advance(len(chunks[number]))

        for number in reversed(range(len(chunks))):
            if not futures[number].cancel():
                break  # a worker has it, and every chunk before it
            counted.add(number)
            results[number] = []
            for item in chunks[number]:
                results[number].append(_write_letter(renderer, staging, *item))  # type: ignore[union-attr]
                advance(1)
                count_finished()
        for number, future in enumerate(futures):
            if results[number] is None:
                results[number] = future.result()
                count_finished()
        return [sha for result in results for sha in result or []]
    finally:
        # Interrupted, or a letter failed: what is queued is dropped and the chunks being rendered (a few
        # letters each) are let finish. Killing a worker could cut a result short in the pipe it writes
        # to, and the executor would then wait for the rest of it for ever.
        pool.shutdown(wait=True, cancel_futures=True)


# -- the run ---------------------------------------------------------------------------------------

def write_letters(
    planned: list[PlannedLetter],
    renderer: LetterRenderer,
    folder: Path,
    jobs: int = 1,
    pdf: bool = False,
    progress: Progress | None = None,
    pdf_progress: Progress | None = None,
    keep_others: bool | None = None,
) -> LettersRun:
    """Write every planned letter into ``folder`` (and a PDF beside each with ``pdf``), and the manifest.

    The template is checked against every letter's variables before anything is made. Letters of an
    earlier run that are not planned now are removed, or, for a run of some councils only (letters planned
    with ``codes``, or ``keep_others``), kept. The folder must be new, empty, or the letters of the same
    year (:class:`WrongFolder` otherwise, before anything is made); a file at one of the letters' names
    that ombudsman did not make there is never replaced. On any error or interruption the folder is left
    as it was, and the error goes on up; PDFs that LibreOffice did not make are the exception: the letters
    go in without them, and a :class:`ConversionError` names them after.
    """
    if keep_others is None:
        keep_others = any(p.selected for p in planned)
    year = planned[0].entry.year.end_year if planned else None
    if year is not None:
        claim(folder, FolderKind.LETTERS, year, "--out")
    renderer.check([p.context for p in planned])
    if pdf:
        from .pdf import require_soffice

        require_soffice()  # before any letter is made: no half-done job for want of LibreOffice
    try:
        with folder_lock(folder, f"writing {len(planned)} letters"):
            # Read while the folder is held, so that what this run keeps or removes is what is there.
            earlier = {row["file"]: row for row in read_manifest(folder)}
            _refuse_foreign_targets(folder, planned, earlier)
            staging: Path | None = None
            try:
                with deferred_signals():  # a signal now can leave no staging folder behind
                    _remove_leftovers(folder)
                    staging = Path(tempfile.mkdtemp(dir=folder, prefix=STAGING_PREFIX))
                run = _make_in(staging, folder, planned, renderer, jobs, pdf, progress, pdf_progress)
                os.sync()  # every staged letter and PDF on disk before any is renamed into place
                with deferred_signals():
                    _commit(run, staging, earlier, str(year or ""), keep_others)
                    sync_folder(folder)
            finally:
                if staging is not None:
                    with deferred_signals():
                        shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise _named_after(error, folder) from None
    if run.pdf_error:
        raise ConversionError(f"{run.pdf_error} (The letters are in {folder}, and its manifest lists them and the "
                              "PDFs that were made.)")
    return run


def _refuse_foreign_targets(folder: Path, planned: list[PlannedLetter], earlier: dict[str, dict[str, str]]) -> None:
    """A Word file or PDF at a name this run writes, that the manifest does not list as made by ombudsman
    (someone's own file, or a letter edited since), is never replaced: the run stops before it starts."""
    foreign = []
    present = set(os.listdir(folder))  # one listing, not two look-ups a letter (the folder is ours while locked)
    for letter in planned:
        before = earlier.get(letter.filename, {})
        word = folder / letter.filename
        if letter.filename in present and word.exists() and file_sha256(word) != before.get("sha256"):
            foreign.append(letter.filename)
        pdf = word.with_suffix(".pdf")
        if pdf.name in present and pdf.exists() and not (before.get("pdf") == pdf.name
                                                         and file_sha256(pdf) == before.get("pdf_sha256")):
            foreign.append(pdf.name)
    if foreign:
        shown = some_of(foreign)
        raise WrongFolder(
            f"{folder} holds {shown}, where this run would write its letters, and ombudsman did not make "
            f"{'them' if len(foreign) > 1 else 'it'} as {'they are' if len(foreign) > 1 else 'it is'} (not in "
            "the manifest, or changed since): nothing was written. Move them out of the folder (or delete them) "
            "and run again."
        )


def _make_in(staging: Path, folder: Path, planned: list[PlannedLetter], renderer: LetterRenderer, jobs: int,
             pdf: bool, progress: Progress | None, pdf_progress: Progress | None) -> LettersRun:
    """Every letter (and PDF) in ``staging``, under its final name; nothing in ``folder`` changes."""
    run = LettersRun(folder)
    for letter, sha256 in zip(planned, _written(renderer, staging, planned, jobs, progress)):
        run.letters.append(WrittenLetter(letter, folder / letter.filename, sha256))
    if pdf:
        from .pdf import convert_to_pdf

        staged = [staging / w.path.name for w in run.letters]
        try:
            convert_to_pdf(staged, jobs=jobs, progress=pdf_progress)
        except ConversionError as error:
            run.pdf_error = str(error)
    return run


def _commit(run: LettersRun, staging: Path, earlier: dict[str, dict[str, str]], year: str, keep_others: bool) -> None:
    """Change the folder from the last run's letters (``earlier``, its manifest by file) to this run's, and
    write the manifest."""
    folder = run.folder
    earlier = dict(earlier)  # rows are taken out as this run's letters replace them
    staged = set(os.listdir(staging))
    for written in run.letters:
        name = written.path.name
        os.replace(staging / name, written.path)
        target_pdf = written.path.with_suffix(".pdf")
        before = earlier.pop(name, None)
        if target_pdf.name in staged:
            os.replace(staging / target_pdf.name, target_pdf)
        elif before and before.get("sha256") == written.sha256 and before.get("pdf") and \
                file_sha256(target_pdf) == before.get("pdf_sha256"):
            pass  # the same letter as before, and its PDF, untouched: it still belongs to it
        else:
            target_pdf.unlink(missing_ok=True)  # an earlier PDF of another letter: never beside this one
            continue
        written.pdf, written.pdf_sha256 = target_pdf, file_sha256(target_pdf) or ""
    kept_rows = []
    for name, row in earlier.items():
        path = folder / name
        if file_sha256(path) != row.get("sha256"):
            continue  # gone or changed since: not ours to list or to remove (reported below)
        if keep_others and row.get("year", "") in ("", year):
            pdf_path = folder / row["pdf"] if row.get("pdf") else None
            if pdf_path is not None and file_sha256(pdf_path) != row.get("pdf_sha256"):
                row = {**row, "pdf": "", "pdf_sha256": ""}
            kept_rows.append(row)
            run.kept.append(name)
            continue
        path.unlink()
        if row.get("pdf") and file_sha256(folder / row["pdf"]) == row.get("pdf_sha256"):
            (folder / row["pdf"]).unlink()
        run.removed.append(name)
    run.manifest = write_manifest(run, kept_rows)
    listed = {w.path.name for w in run.letters} | set(run.kept)
    run.unlisted = sorted(p.name for p in folder.glob("*.docx") if p.name not in listed)


def _remove_leftovers(folder: Path) -> None:
    """What a run killed outright (SIGKILL, power cut) left: its staging folder and partial files."""
    for leftover in folder.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for partial in folder.glob(".*.part"):
        if _PARTIAL.match(partial.name):  # atomic_writer's own name for a file being written: never another's
            partial.unlink(missing_ok=True)


def _named_after(error: OSError, folder: Path) -> OSError:
    """The error with the folder the user gave in place of a temporary file's name."""
    if error.filename and Path(str(error.filename)).name.startswith((".", STAGING_PREFIX)):
        return OSError(error.errno or errno.EIO, error.strerror or str(error), str(folder))
    return error


def manifest_rows(letters: Iterable[WrittenLetter]) -> list[dict[str, Any]]:
    rows = []
    for written in letters:
        context = written.planned.context
        rows.append({
            "authority": context["authority"],
            "code": context["code"],
            "authority_type": context["authority_type"],
            "year": context["year"],
            "file": written.path.name,
            "sha256": written.sha256,
            "pdf": written.pdf.name if written.pdf else "",
            "pdf_sha256": written.pdf_sha256,
            "letter_date": context["letter_date"],
            "addressee_name": context["addressee_name"],
            "job_title": context["job_title"],
            "salutation": context["salutation"],
            "email": context["email"],
            "link_officer_email": context["link_officer_email"],
            **manifest_figures(context),
        })
    return rows


def write_manifest(run: LettersRun, kept: Sequence[dict[str, str]] = ()) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    rows = [{k: neutralise(v) for k, v in row.items()} for row in manifest_rows(run.letters)]
    rows += [{k: row.get(k, "") for k in MANIFEST_FIELDS} for row in kept]
    for row in sorted(rows, key=lambda r: str(r["file"])):
        writer.writerow(row)
    path = run.folder / MANIFEST_NAME
    with atomic_writer(path) as stream:
        stream.write(buffer.getvalue())
    return path
