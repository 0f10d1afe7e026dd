"""Writing files whole or not at all, durably, and never over one of the run's own inputs."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def current_umask() -> int:
    """The process's file mode mask, read without changing it (``os.umask`` can only set it)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: set and put back at once
    os.umask(mask)
    return mask


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable: after a power cut the folder holds the new name, not the old."""
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder; nothing more can be done
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write ``path`` under a temporary name beside it and rename it into place only when complete and on
    disk (the file and then its folder are synced), so that a power cut leaves the old file or the new one,
    never a renamed but empty one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(handle, mode, encoding=encoding, newline="" if encoding else None) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; a letter is not
        os.replace(temporary, path)
        sync_folder(path.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (:func:`atomic_writer`).

    Through a symbolic link the file it points to is written, and the link kept. A path that is not a
    regular file (a named pipe, a terminal, ``/dev/stdout``) is written as a stream, never replaced: its
    reader gets the text. An error names the path (a full disk says which file it could not write).
    """
    try:
        if path.exists() and not path.is_file():
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a folder; give a file name inside it", str(path))
            with path.open("w", encoding="utf-8", newline="") as stream:  # /dev/stdout: whatever fd 1 is
                stream.write(text)
            return
        with atomic_writer(path.resolve() if path.is_symlink() else path) as stream:
            stream.write(text)
    except OSError as error:
        error.filename = str(path)  # not the temporary name beside it
        raise


def overwritten_inputs(outputs: Iterable[Path], inputs: Iterable[Path]) -> list[tuple[Path, Path]]:
    """The (output, input) pairs where writing the output would overwrite the input: the same path
    spelt differently, or the same file through a link. Each input is looked at once."""
    by_path: dict[Path, Path] = {}
    by_file: dict[tuple[int, int], Path] = {}
    for source in inputs:
        by_path.setdefault(source.resolve(), source)
        with contextlib.suppress(OSError):
            status = source.stat()
            by_file.setdefault((status.st_dev, status.st_ino), source)
    found = []
    folders: dict[Path, Path] = {}
    for output in outputs:
        folder = folders.get(output.parent)
        if folder is None:  # resolved once per folder (a letters run names 700 outputs in one)
            folder = folders[output.parent] = output.parent.resolve()
        same = by_path.get(folder / output.name)
        if same is None and by_file:
            with contextlib.suppress(OSError):
                status = output.stat()
                same = by_file.get((status.st_dev, status.st_ino))
        if same is not None:
            found.append((output, same))
    return found


