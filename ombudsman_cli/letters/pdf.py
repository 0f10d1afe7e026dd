"""PDF through LibreOffice: one ``soffice`` per worker converting bounded batches, every output checked.

One ``soffice`` process per letter costs about a second each; one process converting a batch costs a
tenth of that. A single call given hundreds of files has been seen to convert only some of them and
still exit 0, so batches stay small and every PDF is checked for (and checked to be a PDF). A batch
that loses files gets one more try with just those; then they are named.

LibreOffice can also hang. Each ``soffice`` runs in a process group of its own and is watched: when it
writes no PDF for :data:`SILENCE_LIMIT` seconds, the whole group is killed, and a converter that has
produced nothing at all is taken to be broken, which stops the conversion with a message, in minutes
rather than hours. Ctrl-C and SIGTERM kill every running ``soffice`` at once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConversionError

BATCH_SIZE = 100
#: Seconds LibreOffice may go without writing a PDF before it is taken to have hung
#: (``$OMBUDSMAN_PDF_TIMEOUT`` sets another number).
SILENCE_LIMIT = 120.0
INSTALL_HINT = (
    "LibreOffice is needed for --pdf and was not found (looked for soffice and libreoffice on PATH). "
    "Install it, for example 'apt-get install libreoffice-writer-nogui', or set OMBUDSMAN_SOFFICE "
    "to its soffice program."
)
# Writer's PDF export, asked for a tagged PDF/A-2b that declares PDF/UA-1 (LibreOffice 7.4 and later
# read these JSON options; an unknown key is ignored without a word, so the tests check the files).
PDF_FILTER = (
    'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"},'
    '"SelectPdfVersion":{"type":"long","value":"2"},'
    '"PDFUACompliance":{"type":"boolean","value":"true"}}'
)
#: ``finish(document, produced, target)`` puts the PDF made from ``document`` in place.
Finish = Callable[[Path, Path, Path], None]


def find_soffice() -> str | None:
    """The LibreOffice program: ``$OMBUDSMAN_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH.

    Raises :class:`ConversionError` when ``$OMBUDSMAN_SOFFICE`` names something that cannot be run.
    """
    configured = os.environ.get("OMBUDSMAN_SOFFICE")
    if configured:
        path = Path(configured)
        if path.is_file() or os.sep in configured:
            if not path.exists():
                raise ConversionError(f"OMBUDSMAN_SOFFICE is set to {configured}, which does not exist. "
                                      "Set it to LibreOffice's soffice program, or unset it to use soffice on PATH.")
            if path.is_dir() or not os.access(path, os.X_OK):
                raise ConversionError(f"OMBUDSMAN_SOFFICE is set to {configured}, which is not a program that can "
                                      "be run (is it executable?). Set it to LibreOffice's soffice program.")
            return configured
        found = shutil.which(configured)
        if found is None:
            raise ConversionError(f"OMBUDSMAN_SOFFICE is set to {configured}, which is not a program on PATH. "
                                  "Set it to LibreOffice's soffice program, or unset it.")
        return found
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    program = find_soffice()
    if program is None:
        raise ConversionError(INSTALL_HINT)
    return program


def silence_limit() -> float:
    configured = os.environ.get("OMBUDSMAN_PDF_TIMEOUT")
    try:
        return float(configured) if configured else SILENCE_LIMIT
    except ValueError:
        raise ConversionError(f"OMBUDSMAN_PDF_TIMEOUT is {configured!r}; give a number of seconds.") from None


def is_pdf(path: Path) -> bool:
    """A complete PDF file: the header at the start and the end-of-file marker at the end."""
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                return False
            handle.seek(max(path.stat().st_size - 1024, 0))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


def convert_to_pdf(
    documents: Sequence[Path],
    jobs: int = 1,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    soffice: str | None = None,
    finish: Finish | None = None,
) -> list[Path]:
    """Write ``name.pdf`` beside each ``name.docx``; return the PDFs, in the order of ``documents``.

    Each PDF appears under its final name only when complete, put there by ``finish(document, produced,
    target)``: by default :func:`ombudsman_cli.letters.pdf_finish.finish_pdf`, which makes it a reproducible,
    properly tagged PDF/A-2b. Raises :class:`ConversionError` naming every document that did not
    convert (the others are kept), or saying that LibreOffice hung.
    """
    program = soffice or require_soffice()
    documents = [Path(d) for d in documents]
    if not documents:
        return []
    jobs = max(1, min(jobs, len(documents)))
    if finish is None:
        from .pdf_finish import finish_pdf

        finish = finish_pdf
    converter = _Converter(program, batch_size, progress, finish, silence_limit())
    shares = [documents[i::jobs] for i in range(jobs)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(converter.convert_share, share) for share in shares]
        try:
            failures = [document for future in futures for document in future.result()]
        except BaseException:
            converter.abort()  # Ctrl-C, SIGTERM or a failure: no soffice outlives the run
            raise
    if converter.broken:
        raise ConversionError(converter.broken)
    if failures:
        order = {d: i for i, d in enumerate(documents)}
        failures.sort(key=order.__getitem__)
        names = ", ".join(d.name for d in failures[:20]) + (" ..." if len(failures) > 20 else "")
        raise ConversionError(
            f"LibreOffice did not convert {len(failures)} of {len(documents)} letters to PDF: {names}. "
            "The other PDFs were written; run again with --pdf to retry."
        )
    return [d.with_suffix(".pdf") for d in documents]


@dataclass
class _Converter:
    program: str
    batch_size: int
    progress: Callable[[int], None] | None
    finish: Finish
    silence: float
    broken: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    running: set[subprocess.Popen[bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def abort(self, reason: str | None = None) -> None:
        """Stop every worker: kill each running ``soffice`` with its whole process group."""
        with self.lock:
            if reason and not self.broken:
                self.broken = reason
            self.stop.set()
            for process in list(self.running):
                _kill_group(process)

    def convert_share(self, documents: list[Path]) -> list[Path]:
        """One worker: its own LibreOffice profile, batches converted one after another, each batch's PDFs
        finished (by a thread of the worker's own) while LibreOffice converts the next; then one more try
        for whatever a batch lost."""
        with tempfile.TemporaryDirectory(prefix="ombudsman-soffice-") as workspace, \
                ThreadPoolExecutor(max_workers=1) as finisher:
            profile = Path(workspace) / "profile"
            finishing = []
            for start in range(0, len(documents), self.batch_size):
                if self.stop.is_set():
                    break
                batch = documents[start:start + self.batch_size]
                scratch, produced = self.convert(profile, batch)
                finishing.append(finisher.submit(self.finish_batch, batch, scratch, produced))
            # Every converted batch is finished, even when the run is stopping: no PDF made is lost.
            missing = [document for batch in finishing for document in batch.result()]
            if missing and not self.stop.is_set():
                missing = self.finish_batch(missing, *self.convert(profile, missing), count=False)
            return [] if self.stop.is_set() else missing

    def convert(self, profile: Path, batch: list[Path]) -> tuple[Path, bool]:
        """Convert ``batch`` into a scratch folder beside the documents (so that moving a finished PDF into
        place is a rename on one disk); the folder, and whether LibreOffice ran to its end."""
        scratch = Path(tempfile.mkdtemp(dir=batch[0].parent, prefix=".pdf-"))
        try:
            return scratch, self._run(profile, batch, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    def finish_batch(self, batch: list[Path], scratch: Path, produced: bool, count: bool = True) -> list[Path]:
        """Move each good PDF of ``batch`` beside its document, finished; return the failures."""
        try:
            failed = []
            for document in batch:
                pdf = scratch / document.with_suffix(".pdf").name
                if produced and is_pdf(pdf):
                    try:
                        self.finish(document, pdf, document.with_suffix(".pdf"))
                        continue
                    except ConversionError:
                        pass  # not a PDF that can be mended: a failure, named below
                failed.append(document)
            if count and self.progress:
                self.progress(len(batch))
            return failed
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run(self, profile: Path, batch: list[Path], scratch: Path) -> bool:
        """Run one ``soffice`` on ``batch``, watched; False if it hung or the run is stopping."""
        command = [
            self.program, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
            "--norestore", "--nolockcheck", "--nodefault", "--convert-to", PDF_FILTER,
            "--outdir", str(scratch), *[str(d.resolve()) for d in batch],
        ]
        with self.lock:
            if self.stop.is_set():
                return False
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True)
            except OSError as error:
                self.broken = self.broken or f"LibreOffice ({self.program}) could not be started: {error.strerror or error}."
                self.stop.set()
                return False
            self.running.add(process)
        try:
            return self._watch(process, scratch)
        finally:
            _kill_group(process)  # soffice may leave helpers behind even when it exits
            with self.lock:
                self.running.discard(process)

    def _watch(self, process: subprocess.Popen[bytes], scratch: Path) -> bool:
        seen, last_change = 0, time.monotonic()
        while process.poll() is None:
            if self.stop.is_set():
                return False
            count = sum(1 for _ in scratch.glob("*.pdf"))
            now = time.monotonic()
            if count != seen:
                seen, last_change = count, now
            elif now - last_change > self.silence:
                _kill_group(process)
                if seen == 0:
                    self.abort(
                        f"LibreOffice ({self.program}) wrote no PDF in {self.silence:.0f} seconds and was stopped: "
                        "it seems to hang. Check that 'soffice --headless --convert-to pdf FILE.docx' works on "
                        "this machine (a LibreOffice window left open, or a damaged profile, can stop it); "
                        "the letters themselves were written."
                    )
                return False
            time.sleep(0.05)
        return True


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
