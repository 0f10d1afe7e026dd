"""Fixtures for the tests that send: letters with PDFs for three councils, a real SMTP server on this
machine (aiosmtpd), a certificate for STARTTLS, and helpers that read the ledger back. Loaded for every test
module by ``conftest.py``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.send import transports
from ombudsman_cli.send.ledger import FINDINGS
from ombudsman_cli.years import BusinessYear

from .conftest import ROWS, as_text, write_csv
from .smtp_server import MailServer

YEAR = BusinessYear(2020)
COUNCILS = ["Adur District Council", "Ashfield District Council", "Bassetlaw District Council"]
CONTACTS = (
    "authority,title,surname,job_title,email,cc\n"
    "Adur District Council,,,Chief Executive,ceo@adur.example.org,link@adur.example.org\n"
    "Ashfield District Council,Ms,Brown,Chief Executive,ceo@ashfield.example.org,\n"
    "Bassetlaw District Council,Mr,Taylor,Chief Executive,ceo@bassetlaw.example.org,"
    "link@bassetlaw.example.org; monitoring@bassetlaw.example.org\n"
    "London Borough of Hammersmith & Fulham,,,,,\n"
)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(transports, "RETRY_DELAYS", (0.01, 0.01))


@pytest.fixture
def letters_folder(tmp_path, runner, fake_soffice, monkeypatch):
    """Letters with PDFs (from the stand-in LibreOffice: real PDF files, made fast) for three councils
    with addresses and one without, and a config that points at a server on this machine."""
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "d.csv", as_text(ROWS))
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    write_config(tmp_path, port=1)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--pdf", "--letter-date", "2020-07-22",
                                 *[a for name in [*COUNCILS, "Hammersmith and Fulham"] for a in ("--authority", name)]])
    assert result.exit_code == 0, result.output
    return tmp_path / "letters" / "2020"


def write_config(folder: Path, port: int, security: str = "none", extra: str = "") -> None:
    (folder / "ombudsman.toml").write_text(
        '[files]\ndecisions = "d.csv"\ncontacts = "contacts.csv"\nletters = "letters/{year}"\n'
        f'[email]\nhost = "localhost"\nport = {port}\nsecurity = "{security}"\nfrom = "reviews@lgo.example.org"\n'
        f'reply_to = "replies@lgo.example.org"\nrate = 0\n{extra}')


@pytest.fixture
def server(letters_folder):
    running = MailServer().start()
    write_config(letters_folder.parent.parent, running.port)
    yield running
    running.stop()


def send(runner, *extra):
    return runner.invoke(cli, ["send", "--year", "2020", *extra])


def ledger(folder: Path) -> list[dict[str, str]]:
    """The ledger's outcome rows. Each follows the ``sending`` row written just before its message was handed
    over (checked here, so that every outcome had its record on disk before the message went)."""
    rows = [row for row in all_ledger_rows(folder) if row["outcome"] not in FINDINGS]  # reports' rows: their own
    outcomes = []
    for number, row in enumerate(rows):
        if row["outcome"] in ("sending", "test") and row["reply"] == "" and \
                number + 1 < len(rows) and rows[number + 1]["message_id"] == row["message_id"]:
            continue
        assert row["outcome"] != "sending", f"a message with no outcome: {row}"
        if row["outcome"] not in ("test",) or row["reply"]:
            assert number > 0 and rows[number - 1]["message_id"] == row["message_id"] and \
                rows[number - 1]["outcome"] in ("sending", "test"), f"no sending row before {row}"
        outcomes.append(row)
    return outcomes


def all_ledger_rows(folder: Path) -> list[dict[str, str]]:
    path = folder / "send-log.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A certificate for localhost from a test authority that this process trusts (SSL_CERT_FILE)."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return authority.issue_cert("localhost")


