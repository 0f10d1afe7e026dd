"""File names: one plain, unique name per council, shared by its letter, its PDF and its web page."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .data.register import Authority

#: The manifest's own name is never a letter's.
_RESERVED = {"manifest"}
# A file name stays well inside every file system's limit, however long a register's name.
_LONGEST_STEM = 100


def _slug(text: str) -> str:
    """``London Borough of Hammersmith & Fulham`` -> ``london-borough-of-hammersmith-fulham``:
    accents dropped, anything else that is not a Latin letter or digit a hyphen, never one at the ends."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_LONGEST_STEM].rstrip("-")


def letter_filename(official_name: str, code: str = "") -> str:
    """``London Borough of Hammersmith & Fulham`` -> ``london-borough-of-hammersmith-fulham.docx``; a
    name with no Latin letter is named by its GSS code. Never hidden, never starting with a hyphen."""
    return (_slug(official_name) or _slug(code) or "authority") + ".docx"


def file_stems(authorities: Sequence[Authority]) -> dict[str, str]:
    """GSS code -> a file name (without its suffix) of its own for each authority, in their order:
    ``london-borough-of-hammersmith-fulham``; two names that come to the same one get the GSS code added."""
    taken: set[str] = set(_RESERVED)
    stems = {}
    for authority in authorities:
        stem = letter_filename(authority.name, authority.code).removesuffix(".docx")
        candidate, number = stem, 1
        while candidate in taken:  # names that differ only in punctuation or script: keep both letters
            number += 1
            suffix = _slug(authority.code) if number == 2 and _slug(authority.code) else str(number)
            candidate = f"{stem}-{suffix}"
        taken.add(candidate)
        stems[authority.code] = candidate
    return stems


def group_stem(group: str) -> str:
    """``District Council`` -> ``district-council``: a comparison group's page on the site, and its anchor."""
    return "-".join(group.lower().split())
