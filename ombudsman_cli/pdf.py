"""PDF through LibreOffice: one ``soffice`` per worker converting bounded batches, every output counted.

One ``soffice`` process per letter costs about a second each; one process converting a batch costs a
tenth of that. A single call given hundreds of files has been seen to convert only some of them and
still exit 0, so batches stay small and every PDF is checked for; a missing one is retried once on
its own and then named in the error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import ConversionError

BATCH_SIZE = 50
INSTALL_HINT = (
    "LibreOffice is needed for --pdf and was not found (looked for soffice and libreoffice on PATH). "
    "Install it, for example 'apt-get install libreoffice-writer-nogui', or set OMBUDSMAN_SOFFICE "
    "to its soffice program."
)


def find_soffice() -> str | None:
    """The LibreOffice program: ``$OMBUDSMAN_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    configured = os.environ.get("OMBUDSMAN_SOFFICE")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    program = find_soffice()
    if program is None:
        raise ConversionError(INSTALL_HINT)
    return program


def convert_to_pdf(
    documents: Sequence[Path],
    jobs: int = 1,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    soffice: str | None = None,
) -> list[Path]:
    """Write ``name.pdf`` beside each ``name.docx``; return the PDFs, in the order of ``documents``.

    Each PDF appears under its final name only when complete. Raises :class:`ConversionError` naming
    every document that did not convert (the others are kept).
    """
    program = soffice or require_soffice()
    documents = [Path(d) for d in documents]
    if not documents:
        return []
    jobs = max(1, min(jobs, len(documents)))
    shares = [documents[i::jobs] for i in range(jobs)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failures = [f for share in pool.map(lambda s: _convert_share(program, s, batch_size, progress), shares) for f in share]
    if failures:
        names = ", ".join(d.name for d in failures[:20]) + (" ..." if len(failures) > 20 else "")
        raise ConversionError(
            f"LibreOffice did not convert {len(failures)} of {len(documents)} letters to PDF: {names}. "
            "The other PDFs were written; run again with --pdf to retry."
        )
    return [d.with_suffix(".pdf") for d in documents]


def _convert_share(program: str, documents: list[Path], batch_size: int,
                   progress: Callable[[int], None] | None) -> list[Path]:
    """One worker: its own LibreOffice profile, batches converted one after another."""
    with tempfile.TemporaryDirectory(prefix="ombudsman-soffice-") as workspace:
        profile = Path(workspace) / "profile"
        missing: list[Path] = []
        for start in range(0, len(documents), batch_size):
            batch = documents[start:start + batch_size]
            missing += _convert_batch(program, profile, batch)
            if progress:
                progress(len(batch))
        # A second chance, one file at a time, for anything a batch lost.
        return [d for d in missing if _convert_batch(program, profile, [d])]


def _convert_batch(program: str, profile: Path, batch: list[Path]) -> list[Path]:
    """Convert into a scratch folder, move each finished PDF beside its document; return the failures."""
    # In the letters' own folder, so that moving a finished PDF into place is an atomic rename.
    scratch = Path(tempfile.mkdtemp(dir=batch[0].parent, prefix=".pdf-"))
    command = [
        program, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
        "--norestore", "--nolockcheck", "--nodefault", "--convert-to", "pdf:writer_pdf_Export",
        "--outdir", str(scratch), *[str(d.resolve()) for d in batch],
    ]
    try:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       timeout=60 + 5 * len(batch))
    except subprocess.TimeoutExpired:
        pass  # whatever it finished is kept; the rest is retried or reported
    failed = []
    for document in batch:
        produced = scratch / document.with_suffix(".pdf").name
        if produced.is_file() and produced.stat().st_size > 0:
            os.replace(produced, document.with_suffix(".pdf"))
        else:
            failed.append(document)
    shutil.rmtree(scratch, ignore_errors=True)
    return failed
