"""``manifest.csv``: the letters a folder holds, with their SHA-256, addresses and figures.

Written by :mod:`ombudsman_cli.letters`; read by it (an earlier run's letters), by ``send`` and by
``site``. Here alone, so that reading it does not load the statistics.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

MANIFEST_NAME = "manifest.csv"

MANIFEST_FIELDS = (
    "authority", "code", "authority_type", "year", "file", "sha256", "pdf", "pdf_sha256", "letter_date",
    "addressee_name", "job_title", "salutation", "email", "link_officer_email",
    "uphold_percent", "average_uphold_percent", "upheld", "investigated",
    "compliance_percent", "average_compliance_percent", "complied", "compliance_outcomes",
    "satisfactory_remedy_percent", "average_satisfactory_remedy_percent", "satisfactory_remedies",
)


def file_sha256(path: Path) -> str | None:
    """A file's SHA-256, as the manifest records it; ``None`` if it cannot be read (gone, say)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """The rows of ``folder``'s manifest, or none if it has none (or one that cannot be read)."""
    try:
        with (folder / MANIFEST_NAME).open(newline="", encoding="utf-8") as handle:
            return [row for row in csv.DictReader(handle) if row.get("file")]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
