"""Shared fixtures: the bundled register, and writers for small hand-made exports in CSV and .xlsx."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ombudsman_cli.data.register import Register, load_register

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The real 2020 letter to Bassetlaw (a copy of shared/annual-review-letter-2020-bassetlaw.txt).
SEED_LETTER = FIXTURES / "annual-review-letter-2020-bassetlaw.txt"

HEADER = ["reference", "authority", "decision_date", "outcome", "satisfactory_remedy", "compliance", "compliance_date"]


@pytest.fixture(scope="session")
def register() -> Register:
    return load_register()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_csv(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER, bom: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER, sheet: str = "Sheet1") -> Path:
    """Dates given as ``date`` become real spreadsheet dates; text stays text."""
    import openpyxl

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append([datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v
                          for v in row])
    workbook.save(path)
    return path


def as_text(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """The same rows with dates written as UK text (31/03/2020), as a CSV export has them."""
    return [[f"{v:%d/%m/%Y}" if isinstance(v, date) else v for v in row] for row in rows]


from .fakes import fake_soffice  # noqa: E402, F401 - the stand-in LibreOffice, as a fixture for every test

pytest_plugins = ["tests.mail_fixtures"]  # letters to send, a mail server, a certificate
