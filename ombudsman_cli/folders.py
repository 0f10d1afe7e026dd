"""What an output folder is: the letters of a year, or the site of a year, and which of its files ombudsman made.

Each folder ombudsman writes says what it is by its ``manifest.csv``: the letters' manifest has a row per
letter (``authority``, ``code``, ``year``, ...), the site's a row per file (``file``, ``bytes``, ``sha256``,
its year in the names of its data files). So no command mistakes one kind of folder for another:
``site --out letters/2020`` would otherwise replace the letters, their manifest and the send ledger with a
website. A command writes only into a folder that is new, empty, or of its own kind and year; it refuses
anything else before it changes a byte, and it never deletes a file it did not write.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .data.values import some_of
from .errors import WrongFolder
from .letters.manifest import MANIFEST_NAME, SITE_MANIFEST_HEADER
from .locking import LOCK_NAME
from .years import BusinessYear

#: Hidden files and folders of ombudsman's own that do not make a folder "not empty": its lock, and the
#: staging folder of a run that was killed outright.
_OWN_HIDDEN = (LOCK_NAME, ".ombudsman-run-")
_SITE_DATA = re.compile(r"^data/ombudsman-(\d{4})\.")


class FolderKind(StrEnum):
    LETTERS = "letters"
    SITE = "site"

    @property
    def described(self) -> str:
        return {"letters": "the letters", "site": "the website"}[self.value]

    @property
    def noun(self) -> str:
        return {"letters": "letters", "site": "site"}[self.value]

    @property
    def command(self) -> str:
        return {"letters": "ombudsman letters", "site": "ombudsman site"}[self.value]


@dataclass(frozen=True)
class FolderIdentity:
    kind: FolderKind
    #: The business year's end year, or ``None`` where an old folder does not say.
    year: int | None

    def describe(self) -> str:
        year = f" for {BusinessYear(self.year).label}" if self.year else ""
        return f"{self.kind.described}{year} (made by '{self.kind.command}')"


def identify(folder: Path) -> FolderIdentity | None:
    """What ``folder`` holds, by its manifest; ``None`` for a folder that is missing, empty, or not one of
    ombudsman's."""
    try:
        with (folder / MANIFEST_NAME).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            if header[:2] == ["authority", "code"] and "year" in header:
                at = header.index("year")
                letter_years = {int(row[at]) for row in reader if len(row) > at and row[at].isdigit()}
                return FolderIdentity(FolderKind.LETTERS, letter_years.pop() if len(letter_years) == 1 else None)
            if header == SITE_MANIFEST_HEADER:
                site_years = {int(m.group(1)) for row in reader if row and (m := _SITE_DATA.match(row[0]))}
                return FolderIdentity(FolderKind.SITE, site_years.pop() if len(site_years) == 1 else None)
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return None


def visible_entries(folder: Path) -> list[str]:
    """The names in ``folder`` but ombudsman's own hidden ones (none if it does not exist)."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(n for n in names if not n.startswith(_OWN_HIDDEN))


def claim(folder: Path, kind: FolderKind, year: int, option: str) -> FolderIdentity | None:
    """Check that ``folder`` may receive ``kind`` for ``year``: new, empty, or already of that kind and
    year. Anything else is :class:`WrongFolder`, raised before anything is written. Returns what the
    folder was (``None`` for a new or empty one)."""
    if folder.exists() and not folder.is_dir():
        raise WrongFolder(f"{folder} is a file, not a folder; give a folder with {option}.")
    found = identify(folder)
    if found is None:
        entries = visible_entries(folder)
        if entries:
            shown = some_of(entries)
            raise WrongFolder(
                f"{folder} holds no {kind.noun} made by ombudsman, but files that it did not make ({shown}); "
                f"writing {kind.described} there could replace them. Give a new or empty folder with {option}."
            )
        return None
    if found.kind is not kind:
        raise WrongFolder(
            f"{folder} holds {found.describe()}, not {kind.described}: writing {kind.described} there would "
            f"replace them. Give another folder with {option}."
        )
    if found.year is not None and found.year != year:
        raise WrongFolder(
            f"{folder} holds {found.describe()}, not {BusinessYear(year).label}; give the folder of that year "
            f"with {option} (each year has a folder of its own)."
        )
    return found


def expect(folder: Path, kind: FolderKind, year: int | None, option: str) -> FolderIdentity | None:
    """For a command that reads ``folder`` as ``kind`` (``send`` and ``site`` read the letters):
    :class:`WrongFolder` if it is another kind, or the same kind for another year."""
    found = identify(folder)
    if found is None:
        return None
    if found.kind is not kind:
        raise WrongFolder(f"{folder} holds {found.describe()}, not {kind.described}; give the folder of "
                          f"{kind.described} with {option}.")
    if year is not None and found.year is not None and found.year != year:
        raise WrongFolder(
            f"{folder} holds {found.describe()}, not {BusinessYear(year).label}: give the folder of that year with "
            f"{option}, or the year of these letters with --year {found.year}."
        )
    return found
