"""The ``ombudsman`` command line: wires the library to commands and turns its errors into messages.

One module per command (or pair of closely related commands); :mod:`.base` holds what they share.
Exit codes: 0 done, 1 the data or a file has a problem (the message says which and how to fix it),
2 a usage error (a bad option or setting).
"""

from __future__ import annotations

from . import check, figures, letters, send, site  # noqa: F401 - each registers its commands on the group
from .base import cli

__all__ = ["cli", "main"]


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="ombudsman")
