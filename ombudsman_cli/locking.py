"""One run per folder at a time, and a clean stop when a signal arrives at the wrong moment.

:func:`folder_lock` takes an exclusive lock on a folder (a hidden lock file, locked with ``flock`` so a
killed run never leaves it held, and removed when the run ends). :func:`deferred_signals` holds Ctrl-C
and SIGTERM back for the few milliseconds a folder takes to change from one run's letters to the
next's, then delivers them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import FolderBusy, Terminated

LOCK_NAME = ".ombudsman.lock"


@contextlib.contextmanager
def folder_lock(folder: Path, purpose: str) -> Iterator[None]:
    """Hold ``folder`` (made if need be) for this process; :class:`FolderBusy` if another run holds it.

    Taking and giving back the lock wait for Ctrl-C and SIGTERM, so that a signal can never leave a lock
    file behind."""
    descriptor: int | None = None
    try:
        with deferred_signals():
            descriptor = _take(folder, purpose)
        yield
    finally:
        if descriptor is not None:
            with deferred_signals():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder / LOCK_NAME)
                os.close(descriptor)


def _take(folder: Path, purpose: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 200).decode("utf-8", "replace").strip()
            os.close(descriptor)
            raise FolderBusy(
                f"{folder} is in use by another ombudsman run ({holder or 'still starting'}); wait for it to "
                "finish and run the command again."
            ) from None
        try:
            same = os.fstat(descriptor).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"process {os.getpid()}: {purpose}".encode())
            return descriptor
        os.close(descriptor)  # the last holder removed the file between our open and our lock: again


@contextlib.contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM wait until the block is done, then stop the run as they would have.

    The block gets the list of signals that have arrived so far, to cut short what can be cut short.
    Outside the main thread (where signals cannot be handled) the block simply runs.
    """
    arrived: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        arrived.append(signum)

    try:
        previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:
        yield arrived
        return
    try:
        yield arrived
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if signal.SIGTERM in arrived:
        raise Terminated()
    if arrived:
        raise KeyboardInterrupt()
