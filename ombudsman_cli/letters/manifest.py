"""``manifest.csv``: the letters a folder holds, with their SHA-256, addresses and figures.

Written by :mod:`ombudsman_cli.letters.run`; read by it (an earlier run's letters), by ``send`` and by
``site``. Here alone, so that reading it does not load the statistics. It is read as untrusted: a row
cut short, a letter listed twice or a file outside the folder is refused by its row, never acted on.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from ..errors import ManifestProblem, WrongFolder

MANIFEST_NAME = "manifest.csv"

MANIFEST_FIELDS = (
    "authority", "code", "authority_type", "year", "file", "sha256", "pdf", "pdf_sha256", "letter_date",
    "addressee_name", "job_title", "salutation", "email", "link_officer_email",
    "uphold_percent", "average_uphold_percent", "upheld", "investigated",
    "compliance_percent", "average_compliance_percent", "complied", "compliance_outcomes",
    "satisfactory_remedy_percent", "average_satisfactory_remedy_percent", "satisfactory_remedies",
)
#: What a row must have for anything to be done with it.
REQUIRED_FIELDS = ("authority", "code", "year", "file", "sha256")
SITE_MANIFEST_HEADER = ["file", "bytes", "sha256"]


def file_sha256(path: Path) -> str | None:
    """A file's SHA-256, as the manifest records it; ``None`` if it cannot be read (gone, say)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def plain_file_name(name: str, suffix: str) -> bool:
    """A file directly in the folder, never a path out of it, hidden, or of another kind."""
    return (bool(name) and "/" not in name and "\\" not in name and "\x00" not in name
            and not name.startswith(".") and name.lower().endswith(suffix) and len(name) > len(suffix))


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """The rows of ``folder``'s manifest, or none if it has none. :class:`ManifestProblem` names every row
    that cannot be trusted (cut short, a file outside the folder, a letter or council listed twice);
    :class:`WrongFolder` says so when the folder is a site, not letters."""
    path = folder / MANIFEST_NAME
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except (FileNotFoundError, NotADirectoryError):
        return []
    problems: list[str] = []
    rows: list[dict[str, str]] = []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, [])
            if header == SITE_MANIFEST_HEADER:
                raise WrongFolder(f"{folder} holds a website made by 'ombudsman site', not letters; give the "
                                  "letters folder (made by 'ombudsman letters').")
            missing = [f for f in REQUIRED_FIELDS if f not in header]
            if missing:
                raise ManifestProblem(f"{path}: row 1 is not the header of a letters manifest (it lacks "
                                      f"{', '.join(missing)}). {_REMAKE}")
            seen_files: dict[str, int] = {}
            seen_codes: dict[tuple[str, str], int] = {}
            row_number = 1
            for values in reader:
                row_number += 1
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    problems.append(f"row {row_number} has {len(values)} of the {len(header)} columns: the file was "
                                    "cut short or edited")
                    continue
                row = dict(zip(header, values))
                blank = [f for f in REQUIRED_FIELDS if not row[f].strip()]
                if blank:
                    problems.append(f"row {row_number} has no {', '.join(blank)}")
                    continue
                if not plain_file_name(row["file"], ".docx"):
                    problems.append(f"row {row_number}, column file: {row['file']!r} is not a Word letter in this "
                                    "folder")
                    continue
                if row.get("pdf") and not plain_file_name(row["pdf"], ".pdf"):
                    problems.append(f"row {row_number}, column pdf: {row['pdf']!r} is not a PDF in this folder")
                    continue
                key = row["file"].lower()
                if key in seen_files:
                    problems.append(f"row {row_number}: {row['file']} is listed again (first on row {seen_files[key]})")
                    continue
                pdf_key = row.get("pdf", "").lower()
                if pdf_key and pdf_key in seen_files:
                    problems.append(f"row {row_number}: {row['pdf']} is listed again (first on row {seen_files[pdf_key]})")
                    continue
                council = (row["code"], row["year"])
                if council in seen_codes:
                    problems.append(f"row {row_number}: {row['authority']} ({row['code']}) has a second letter for "
                                    f"{row['year']} (first on row {seen_codes[council]})")
                    continue
                seen_files[key], seen_codes[council] = row_number, row_number
                if pdf_key:
                    seen_files[pdf_key] = row_number
                rows.append(row)
        except UnicodeDecodeError:
            problems.append("it is not UTF-8 text")
        except csv.Error as error:
            problems.append(f"row {row_number + 1}: {error}")
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ManifestProblem(f"{path} cannot be trusted, so nothing was done with it:\n  {shown}\n{_REMAKE}")
    return rows


_REMAKE = ("The manifest is written by 'ombudsman letters', never by hand: restore it, or make the letters "
           "again into a new folder (keep send-log.csv: it records what was sent).")
