"""Shared fixtures: the bundled register, and writers for small hand-made exports in CSV and .xlsx."""

from __future__ import annotations

import ast
import csv
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from ombudsman_cli.data.register import Register, load_register
from ombudsman_cli.models import Contact

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The real 2020 letter to Bassetlaw (a copy of shared/annual-review-letter-2020-bassetlaw.txt).
SEED_LETTER = FIXTURES / "annual-review-letter-2020-bassetlaw.txt"

HEADER = ["reference", "authority", "decision_date", "outcome", "satisfactory_remedy", "compliance", "compliance_date"]


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as a terminal delivers it, for the tests of Ctrl-C: a suite started in the background of a
    script (``pytest &``) inherits SIGINT ignored, and so would every command it starts."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # reset to the default in what it runs


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One marker for what needs LibreOffice: a test marked ``libreoffice`` is skipped, saying why, where
    LibreOffice or pdftotext is missing (``.ci/run`` installs both)."""
    if shutil.which("soffice") and shutil.which("pdftotext"):
        return
    skip = pytest.mark.skip(reason="needs LibreOffice and pdftotext (.ci/run installs them)")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


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


# -- shared data: small exports whose figures the tests work out by hand -------------------------------------

BASSETLAW, ASHFIELD, ADUR, BABERGH, HAMMERSMITH = "E07000171", "E07000170", "E07000223", "E07000200", "E09000013"
ROWS = [
    # Bassetlaw, 2019/20: the first and the last day of the year both count.
    ["B1", "Bassetlaw District Council", date(2019, 4, 1), "Upheld", "yes", "", ""],
    ["B2", "Bassetlaw District Council", date(2020, 3, 31), "Upheld", "no", "complied", date(2020, 5, 10)],  # compliance in 2020/21
    ["B3", "Bassetlaw District Council", date(2019, 10, 10), "Not upheld", "", "", ""],
    ["B4", "Bassetlaw District Council", date(2019, 6, 1), "Closed after initial enquiries", "", "", ""],
    ["B5", "Bassetlaw District Council", date(2019, 3, 31), "Upheld", "no", "not complied", date(2019, 6, 1)],  # 2018/19 decision, 2019/20 compliance
    ["B6", "Bassetlaw District Council", date(2020, 4, 1), "Not upheld", "", "", ""],  # 2020/21
    # Ashfield: decisions, but no detailed investigation.
    ["A1", "Ashfield District Council", date(2019, 5, 5), "Advice given", "", "", ""],
    ["A2", "Ashfield District Council", date(2019, 7, 7), "Referred back for local resolution", "", "", ""],
    # Adur: 1 upheld of 8 investigated = 12.5%, shown as 13%.
    ["D1", "Adur District Council", date(2019, 8, 1), "Upheld", "no", "complied", ""],  # compliance year from decision date
    *[[f"D{n}", "Adur District Council", date(2019, 8, n), "Not upheld", "no", "", ""] for n in range(2, 9)],
    # A London borough, written with "and" for "&".
    ["H1", "London Borough of Hammersmith and Fulham", date(2019, 9, 9), "Upheld", "yes", "", ""],
]

# A sound export in every way the contract allows: names, codes, case and spacing, real dates.
GOOD = [
    ["19 004 512", "Bassetlaw District Council", date(2020, 3, 31), "Upheld", "yes", "", ""],
    ["19 004 513", "E07000171", date(2019, 4, 1), "Not upheld", "no", "", ""],
    ["19 004 514", "bassetlaw district  council", date(2019, 6, 1), "upheld", "", "complied", date(2019, 9, 1)],
    ["19 004 515", "London Borough of Hammersmith and Fulham", date(2019, 7, 1), "Advice given", "no", "", ""],
]


# -- reading Word letters back ------------------------------------------------------------------------------

def paragraphs(content: bytes | Path) -> list[str]:
    import io

    document = docx.Document(io.BytesIO(content) if isinstance(content, bytes) else content)
    return [p.text for p in document.paragraphs]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(texts: list[str]) -> list[str]:
    """Every sentence of ``texts`` (a letter's paragraphs), in order: what a letter says, whichever
    paragraphs hold its sentences."""
    return [sentence for text in texts for sentence in _SENTENCE_END.split(text) if sentence]


def words(text: str) -> list[str]:
    return re.sub(r"</?u>", "", text).split()


def package_problems(content: bytes) -> list[str]:
    """What an OPC package gets wrong: a relationship to a part it lacks, an override for a part it lacks,
    a part with no content type, a part that nothing leads to."""
    import io
    import posixpath
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(content)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    types = etree.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter("{*}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter("{*}Override")}
    problems = [f"override for missing {name}" for name in overrides - set(parts)]
    led_to = set()
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        for rel in etree.fromstring(data).iter("{*}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target"))).lstrip("/")
            led_to.add(target)
            if target not in parts:
                problems.append(f"{name} leads to missing {target}")
    for name in parts:
        if name != "[Content_Types].xml" and not name.endswith(".rels"):
            if name not in overrides and name.rpartition(".")[2].lower() not in defaults:
                problems.append(f"{name} has no content type")
            if name not in led_to:
                problems.append(f"nothing leads to {name}")
    return problems


TAYLOR = Contact(title="Mr", surname="Taylor", job_title="Chief Executive")


from .fakes import fake_soffice  # noqa: E402, F401 - the stand-in LibreOffice, as a fixture for every test

pytest_plugins = ["tests.mail_fixtures"]  # letters to send, a mail server, a certificate


def write_national_export(path: Path) -> Path:
    """A national export for 2019/20 that no other test uses (a seed of its own), with three councils far from
    their groups' averages, so that funnel judgements of every kind occur: Leeds upholds all of 40
    complaints, Cornwall none of 40, and Adur had put right every one of 25 it had upheld."""
    import datetime
    import sys

    from ombudsman_cli.data.register import load_register

    sys.path.insert(0, str(ROOT / "examples"))
    from make_example_data import make_decisions
    from make_example_data import write_csv as write_export

    rows = make_decisions(load_register(), [2020], per_year=6000, seed=2020_20)
    received, decided = datetime.datetime(2019, 3, 1), datetime.datetime(2019, 6, 3)
    extreme = [("Leeds City Council", "Metropolitan Borough", "Upheld", "no", 40),
               ("Cornwall Council", "Unitary Council", "Not upheld", "", 40),
               ("Adur District Council", "District Council", "Upheld", "yes", 25)]
    serial = 0
    for council, group, outcome, remedy, count in extreme:
        for _ in range(count):
            serial += 1
            rows.append([f"EX {serial:06d}", council, group, "Housing", received, decided, outcome, remedy, "", None])
    write_export(path, rows)
    return path


def heavy_modules_loaded(arguments: Sequence[str], cwd: Path,
                         modules: Sequence[str]) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """Which of ``modules`` the command ``ombudsman ARGUMENTS`` has loaded when it ends (it must succeed), run
    in a fresh Python as a user runs it; and the run, for its output."""
    probe = ("import sys\n"
             "from ombudsman_cli.cli import cli\n"
             "try:\n"
             f"    cli({list(arguments)!r}, prog_name='ombudsman')\n"
             "except SystemExit as stop:\n"
             "    assert stop.code == 0, stop.code\n"
             f"print(sorted(m for m in {tuple(modules)!r} if m in sys.modules), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stderr.strip().splitlines()[-1]), result
