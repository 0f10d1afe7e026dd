"""The ``ombudsman`` command line: wires the library to commands and turns its errors into messages.

One module per command (or pair of closely related commands); :mod:`.base` holds what they share.
Exit codes: 0 done, 1 the data or a file has a problem (the message says which and how to fix it),
2 a usage error (a bad option or setting).
"""

from __future__ import annotations

import gc

from . import check, delivery, figures, letters, send, site  # noqa: F401 - each registers its commands on the group
from .base import cli

__all__ = ["cli", "main"]


def main() -> None:  # pragma: no cover - the console script
    # The cycle collector stays paused from here to the end of the process, not only while the command
    # runs (bulk_allocation): turned back on as the command returns, its first pass would walk every object
    # the command made (0.03 s after a national run) an instant before the process ends.
    gc.disable()
    try:
        cli(prog_name="ombudsman")
    finally:
        # The interpreter's shutdown runs full cycle collections over every object still alive (0.15 s
        # after a national run) only to find nothing: the process is ending. Frozen objects are left out
        # of those passes; exit handlers still run and modules are still torn down (our files are closed
        # by their `with` blocks long before).
        gc.freeze()
