"""Issue 16: the tool's promises at its edges. Never lose a folder (a command writes only into a folder of
its own kind and year, and deletes only what it made), never send twice (the ledger is the truth whatever
happens to the file), never a wrong figure from an edited template, and messages that read right."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.config import MailSettings
from ombudsman_cli.send.ledger import Ledger
from ombudsman_cli.send.plan import EmailTemplate, plan_sending
from ombudsman_cli.send.run import send_all
from ombudsman_cli.templates import find_email_template
from ombudsman_cli.years import BusinessYear

from .conftest import ROOT, package_problems, write_csv
from .mail_fixtures import CONTACTS, ledger, send, write_config
from .smtp_server import Behaviour, MailServer

YEAR = BusinessYear(2020)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_site(runner, tmp_path: Path, out: str, *extra: str):
    return runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020", "--out", out,
                               "--letters", str(tmp_path / "letters" / "2020"), *extra])


# -- 1. a folder knows what it is, and the tool deletes only what it made ----------------------------------

def test_site_into_a_letters_folder_is_refused_and_changes_nothing(runner, letters_folder, server, tmp_path):
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0  # a ledger worth losing
    before = snapshot(letters_folder)
    result = make_site(runner, tmp_path, str(letters_folder))
    assert result.exit_code == 1
    assert "holds the letters for 2019/20" in result.output and "--out" in result.output
    assert "bug" not in result.output
    assert snapshot(letters_folder) == before


def test_letters_into_a_site_folder_is_refused_and_changes_nothing(runner, letters_folder, tmp_path):
    assert make_site(runner, tmp_path, "site").exit_code == 0
    before = snapshot(tmp_path / "site")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--out", "site"])
    assert result.exit_code == 1
    assert "holds the website for 2019/20" in result.output
    assert snapshot(tmp_path / "site") == before


def test_letters_into_a_folder_of_other_files_is_refused(runner, letters_folder, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--out", "mine",
                                 "--authority", "Adur"])
    assert result.exit_code == 1 and "notes.txt" in result.output
    assert snapshot(tmp_path / "mine") == {"notes.txt": b"keep me"}


def test_letters_of_another_year_into_a_years_folder_is_refused(runner, letters_folder, tmp_path):
    before = snapshot(letters_folder)
    write_csv(tmp_path / "d21.csv", [["X1", "Adur District Council", "01/05/2020", "Upheld", "", "", ""]])
    result = runner.invoke(cli, ["letters", "--decisions", str(tmp_path / "d21.csv"), "--year", "2021",
                                 "--letter-date", "2021-07-21", "--out", str(letters_folder)])
    assert result.exit_code == 1 and "not 2020/21" in result.output
    assert snapshot(letters_folder) == before


def test_a_file_at_a_letters_name_that_ombudsman_did_not_make_is_never_replaced(runner, letters_folder, tmp_path):
    edited = letters_folder / "adur-district-council.docx"
    edited.write_bytes(edited.read_bytes() + b"edited by hand")
    before = snapshot(letters_folder)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"])
    assert result.exit_code == 1 and "adur-district-council.docx" in result.output and "nothing was written" in result.output
    assert snapshot(letters_folder) == before


def test_a_site_rebuild_keeps_the_files_it_did_not_make(runner, letters_folder, tmp_path):
    assert make_site(runner, tmp_path, "site").exit_code == 0
    (tmp_path / "site" / "CNAME").write_text("performance.lgo.example.org\n")
    (tmp_path / "site" / "google1234.html").write_text("google-site-verification: google1234.html")
    (tmp_path / "site" / "notes").mkdir()
    (tmp_path / "site" / "notes" / "todo.txt").write_text("check the map")
    result = make_site(runner, tmp_path, "site")
    assert result.exit_code == 0, result.output
    assert "kept 3 files that ombudsman did not make" in result.output
    assert (tmp_path / "site" / "CNAME").read_text() == "performance.lgo.example.org\n"
    assert (tmp_path / "site" / "notes" / "todo.txt").read_text() == "check the map"
    assert (tmp_path / "site" / "google1234.html").is_file()
    listed = {row["file"] for row in csv.DictReader((tmp_path / "site" / "manifest.csv").open())}
    assert "CNAME" not in listed  # still not ombudsman's: the next build keeps it again
    assert make_site(runner, tmp_path, "site").exit_code == 0
    assert (tmp_path / "site" / "CNAME").is_file()


def test_a_site_rebuild_that_would_replace_a_file_edited_by_hand_is_refused(runner, letters_folder, tmp_path):
    assert make_site(runner, tmp_path, "site").exit_code == 0
    (tmp_path / "site" / "about.html").write_text("<p>our own words</p>")
    before = snapshot(tmp_path / "site")
    result = make_site(runner, tmp_path, "site")
    assert result.exit_code == 1 and "about.html" in result.output and "nothing was changed" in result.output
    assert snapshot(tmp_path / "site") == before


def rewrite_manifest(folder: Path, change) -> None:
    path = folder / "manifest.csv"
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_manifest_row_naming_a_file_outside_its_folder_is_refused(runner, letters_folder, server, tmp_path):
    (tmp_path / "secret.docx").write_bytes(b"not a letter")

    def outside(rows):
        rows[0]["file"] = "../../secret.docx"
        rows[0]["sha256"] = hashlib.sha256(b"not a letter").hexdigest()
        return rows

    rewrite_manifest(letters_folder, outside)
    result = send(runner, "--send", "--attach", "docx")
    assert result.exit_code == 1
    assert "row 2, column file: '../../secret.docx' is not a Word letter in this folder" in result.output
    assert server.received == []


def test_a_duplicated_manifest_row_is_refused_not_sent_twice(runner, letters_folder, server):
    rewrite_manifest(letters_folder, lambda rows: rows + [rows[0]])
    result = send(runner, "--send")
    assert result.exit_code == 1 and "is listed again (first on row 2)" in result.output
    assert server.received == []


def test_one_pdf_listed_for_two_councils_is_refused(runner, letters_folder, server):
    def shared_pdf(rows):
        rows[1]["pdf"], rows[1]["pdf_sha256"] = rows[0]["pdf"], rows[0]["pdf_sha256"]
        return rows

    rewrite_manifest(letters_folder, shared_pdf)
    result = send(runner, "--send")
    assert result.exit_code == 1 and "is listed again (first on row 2)" in result.output
    assert server.received == []


def test_a_manifest_cut_short_names_its_incomplete_row(runner, letters_folder, server):
    path = letters_folder / "manifest.csv"
    text = path.read_text()
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 40])  # the last row cut after 40 characters
    result = send(runner, "--send")
    assert result.exit_code == 1
    rows = len(text.splitlines())
    assert f"row {rows} has" in result.output and "cut short" in result.output
    assert "bug" not in result.output and server.received == []


def test_a_manifest_saved_by_excel_with_a_bom_and_crlf_is_still_the_letters(runner, letters_folder, server):
    path = letters_folder / "manifest.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    result = send(runner, "--send", "--authority", "Adur")
    assert result.exit_code == 0, result.output
    assert len(server.received) == 1


def test_a_site_folder_given_for_the_letters_says_so(runner, letters_folder, tmp_path):
    assert make_site(runner, tmp_path, "site").exit_code == 0
    result = send(runner, "--letters", "site")
    assert result.exit_code == 1 and "holds the website" in result.output and "bug" not in result.output
    result = runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020", "--out", "site2",
                                 "--letters", "site"])
    assert result.exit_code == 1 and "holds the website" in result.output and "bug" not in result.output
    assert not (tmp_path / "site2").exists()


# -- 2. the ledger is the truth, whatever happens to the file -------------------------------------------

def test_a_ledger_saved_without_a_final_newline_never_sends_twice(runner, letters_folder, server):
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    path = letters_folder / "send-log.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))  # saved by an editor without the final newline
    assert send(runner, "--send", "--authority", "Ashfield").exit_code == 0
    assert [r["code"] for r in ledger(letters_folder)] == ["E07000223", "E07000170"]
    three = ("--authority", "Adur", "--authority", "Ashfield", "--authority", "Bassetlaw")
    for _ in range(2):
        result = send(runner, "--send", *three)
        assert result.exit_code == 0, result.output
    assert Counter(m.message["To"] for m in server.received) == {
        "ceo@adur.example.org": 1, "ceo@ashfield.example.org": 1, "ceo@bassetlaw.example.org": 1}


def test_a_ledger_saved_by_excel_with_a_bom_and_crlf_reads_as_it_was(runner, letters_folder, server):
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    path = letters_folder / "send-log.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.rstrip("\n").replace("\n", "\r\n").encode("utf-8"))
    result = send(runner, "--send", "--authority", "Adur", "--authority", "Ashfield")
    assert result.exit_code == 0, result.output
    assert "cannot be read" not in result.output
    assert Counter(m.message["To"] for m in server.received) == {"ceo@adur.example.org": 1, "ceo@ashfield.example.org": 1}


def test_a_ledger_cut_mid_line_is_reported_kept_and_never_sends_again(runner, letters_folder, server):
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    path = letters_folder / "send-log.csv"
    text = path.read_bytes()
    cut = text[: len(text) - 30]  # the outcome row cut short: was the message sent? Maybe.
    path.write_bytes(cut)
    result = send(runner, "--send", "--authority", "Adur", "--authority", "Ashfield")
    assert result.exit_code == 0, result.output
    assert "cannot be read (kept as it is)" in result.output and "E07000223" in result.output
    assert Counter(m.message["To"] for m in server.received)["ceo@adur.example.org"] == 1
    assert path.read_bytes().startswith(cut + b"\n")  # kept, and the next record on a line of its own


def test_a_ledger_that_is_not_a_file_stops_before_any_message_goes(runner, letters_folder, server):
    (letters_folder / "send-log.csv").symlink_to("/dev/full")  # reads never end; every write: no space left
    result = send(runner, "--send")
    assert result.exit_code == 1
    assert "is not a file" in result.output and "no further message went" in result.output
    assert server.received == []


def test_a_full_disk_stops_the_run_before_the_next_message_goes(runner, letters_folder, server, tmp_path):
    """The file size limit (RLIMIT_FSIZE) makes the kernel refuse the ledger's next record, as a full disk
    would: the message that record was for never reaches the server."""
    import resource
    import subprocess
    import sys

    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    size = (letters_folder / "send-log.csv").stat().st_size

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 10, size + 10))

    process = subprocess.run([sys.executable, "-m", "ombudsman_cli", "send", "--year", "2020", "--send",
                              "--authority", "Ashfield", "--authority", "Bassetlaw"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60, preexec_fn=limited)
    assert process.returncode == 1, process.stderr
    assert "cannot be written" in process.stderr and "no further message went" in process.stderr
    assert len(server.received) == 1  # Adur's, from before: nothing more went
    assert send(runner, "--send", "--authority", "Ashfield", "--authority", "Bassetlaw").exit_code == 0
    assert len(server.received) == 3


def test_what_is_sent_is_what_was_checked(letters_folder, server):
    settings = MailSettings(host="127.0.0.1", port=server.port, security="none", sender="reviews@lgo.example.org")
    plan = plan_sending(letters_folder, YEAR, EmailTemplate(find_email_template()), settings)
    assert plan.ready
    pdf = letters_folder / plan.ready[0].row["pdf"]
    pdf.write_bytes(pdf.read_bytes() + b"% changed during the run")
    from ombudsman_cli.send.transports import SmtpTransport

    transport = SmtpTransport(settings, secret=None)
    transport.open()
    try:
        report = send_all(plan, transport, settings, Ledger(letters_folder))
    finally:
        transport.close()
    assert plan.ready[0].authority in plan.changed
    assert [d.outcome for _, d, _ in report.deliveries][0] == "changed"
    assert plan.ready[0].to[0] not in [r for m in server.received for r in m.recipients]
    assert len(server.received) == len(plan.ready) - 1
    assert not report.ok


def test_a_recipient_put_off_while_the_others_took_it_is_sent_it_later_and_only_them(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(refuse={"ceo@bassetlaw.example.org": "450 4.2.1 Mailbox busy"})
    result = send(runner, "--send", "--authority", "Bassetlaw")
    assert result.exit_code == 1
    assert "Still waiting for the letter: Bassetlaw District Council: ceo@bassetlaw.example.org" in result.output
    assert server.received[0].recipients == ["link@bassetlaw.example.org", "monitoring@bassetlaw.example.org"]
    server.handler.behaviour = Behaviour()
    result = send(runner, "--send", "--authority", "Bassetlaw")
    assert result.exit_code == 0, result.output
    assert server.received[1].recipients == ["ceo@bassetlaw.example.org"]
    result = send(runner, "--send", "--authority", "Bassetlaw", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["messages"] == []
    assert len(server.received) == 2


def test_a_letter_changed_after_it_was_sent_is_flagged_with_the_way_to_resend(runner, letters_folder, server, tmp_path):
    assert send(runner, "--send", "--authority", "Ashfield").exit_code == 0
    (tmp_path / "contacts.csv").write_text(CONTACTS.replace("Ms,Brown", "Dr,Brown"))  # a corrected contact
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Ashfield",
                                 "--pdf"])
    assert result.exit_code == 0, result.output
    assert "differs from this one (Ashfield District Council)" in result.output
    result = send(runner, "--authority", "Ashfield")
    assert "Ashfield District Council" in result.output and "--resend 'Ashfield District Council'" in result.output
    result = send(runner, "--authority", "Ashfield", "--resend", "Ashfield")
    assert "To send it again for real: ombudsman send --year 2020 --send --resend 'Ashfield District Council'" \
        in result.output
    assert len(server.received) == 1


def test_send_for_another_year_names_the_year_the_folder_holds(runner, letters_folder):
    result = runner.invoke(cli, ["send", "--year", "2021", "--letters", str(letters_folder)])
    assert result.exit_code == 1
    assert "holds the letters for 2019/20" in result.output and "Nothing to send" not in result.output


# -- 3. addresses and secrets ---------------------------------------------------------------------------

def test_international_addresses_go_as_idna_or_are_refused_with_their_row(runner, letters_folder, server, tmp_path):
    (tmp_path / "contacts.csv").write_text(
        "authority,email,cc\nAdur District Council,ce@mänsfield.example.org,jörg@adur.example.org\n")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"])
    assert result.exit_code == 1
    assert "row 2, column cc: 'jörg@adur.example.org' has letters outside ASCII before the @" in result.output
    (tmp_path / "contacts.csv").write_text("authority,email\nAdur District Council,ce@mänsfield.example.org\n")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"])
    assert result.exit_code == 0, result.output
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    assert server.received[-1].recipients == ["ce@xn--mnsfield-0za.example.org"]


@pytest.mark.parametrize("options, named", [
    (["--to-self", "me@lgo.example.org\r\nBcc: everyone@example.org"], "--to-self"),
    (["--to-self", "not an address"], "--to-self"),
    (["--from", ""], "--from"),
    (["--from", "a@lgo.example.org, b@lgo.example.org"], "--from"),
])
def test_bad_addresses_in_options_are_usage_errors_naming_the_option(runner, letters_folder, server, options, named):
    result = send(runner, "--send", *options)
    assert result.exit_code == 2, result.output
    assert named in result.output and "bug" not in result.output
    assert server.received == []


def test_a_bad_reply_to_in_the_config_is_a_usage_error(runner, letters_folder, server, tmp_path):
    config = tmp_path / "ombudsman.toml"
    config.write_text(config.read_text().replace('reply_to = "replies@lgo.example.org"',
                                                 'reply_to = "replies@lgo.example.org\\r\\nBcc: x@y.org"'))
    result = send(runner, "--send")
    assert result.exit_code == 2 and "[email] reply_to" in result.output and server.received == []


def test_from_with_a_name_goes_in_the_header_and_its_address_on_the_envelope(runner, letters_folder, server):
    result = send(runner, "--send", "--authority", "Adur", "--from", "Annual Reviews <reviews@lgo.example.org>")
    assert result.exit_code == 0, result.output
    received = server.received[0]
    assert received.sender == "reviews@lgo.example.org"
    assert received.message["From"] == "Annual Reviews <reviews@lgo.example.org>"


def test_a_non_ascii_password_logs_in_and_no_message_shows_it(runner, letters_folder, tmp_path, monkeypatch,
                                                              certificate):
    running = MailServer(tls=certificate, password="ß£-secret-Passwort").start()
    try:
        write_config(tmp_path, running.port, security="starttls", extra='username = "reviews"\n')
        monkeypatch.setenv("OMBUDSMAN_SMTP_PASSWORD", "ß£-secret-Passwort")
        result = send(runner, "--send", "--authority", "Adur")
        assert result.exit_code == 0, result.output
        assert running.handler.logins == [("reviews", "ß£-secret-Passwort")]
        monkeypatch.setenv("OMBUDSMAN_SMTP_PASSWORD", "ß£-wrong-Passwort")
        result = send(runner, "--send", "--authority", "Ashfield")
        assert result.exit_code == 1 and "refused the login" in result.output
        assert "wrong-Pa" not in result.output and "ß£" not in result.output
    finally:
        running.stop()


def test_no_message_shows_a_secret_even_an_unexpected_one():
    from ombudsman_cli.errors import hide_secret, redact

    hide_secret("tok-1234567890-abcdef")
    assert redact("error near 'tok-1234567890-abcdef'") == "error near '***'"
    assert "4567890-ab" not in redact("cut: 4567890-abc")


def test_a_password_command_still_running_at_ctrl_c_is_ended_with_its_group(tmp_path):
    from ombudsman_cli.send.secrets import read_secret

    pid_file = tmp_path / "pid"
    settings = MailSettings(password_command=f"sleep 60 & echo $! > {pid_file}; wait")
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        read_secret(settings)
    timer.join()
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{pid}/stat") as handle:
            if handle.read().split()[2] == "Z":
                break
        time.sleep(0.05)
    else:
        pytest.fail("the password command's child was left running")


# -- 4. contacts are read as strictly as the export -------------------------------------------------------

@pytest.mark.parametrize("header, message", [
    ("authority,name,mail", "'mail': not a column ombudsman reads, and it looks like email"),
    ("authority,name,email", "'name': not a column ombudsman reads, and it looks like forename and surname"),
    ("authority,email,Email", "columns 'email' and 'Email' both mean email"),
    ("authority,email,cc,link_officer_email", "both mean link_officer_email"),
])
def test_contacts_columns_under_other_names_or_twice_are_errors(runner, letters_folder, tmp_path, header, message):
    (tmp_path / "contacts.csv").write_text(f"{header}\nAdur District Council,x,ceo@adur.example.org\n")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"])
    assert result.exit_code == 1 and message in result.output


def test_contacts_columns_that_are_not_read_are_named(runner, letters_folder, tmp_path):
    (tmp_path / "contacts.csv").write_text("authority,email,phone\nAdur District Council,ceo@adur.example.org,01\n")
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"])
    assert result.exit_code == 0 and "column not read: 'phone'" in result.output


# -- 5. a template edited in Word or LibreOffice keeps every figure right ------------------------------------

def chart_figures(letter: Path) -> tuple[list[list[int | None]], list[str]]:
    """The figures the letter's chart shows, and its drawing's description; the chart's embedded workbook,
    which "Edit Data" opens, must hold the same figures."""
    import re

    from ombudsman_cli.letters.chart import series_percentages

    with zipfile.ZipFile(letter) as package:
        names = package.namelist()
        assert [n for n, c in Counter(names).items() if c > 1] == []
        charts = [n for n in names if n.startswith("word/charts/") and n.endswith(".xml")]
        document = package.read("word/document.xml").decode()
        figures = series_percentages(package.read(charts[0]))
        assert workbook_figures(package, charts[0]) == figures
        return figures, re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', document)


def workbook_figures(package: zipfile.ZipFile, chart: str) -> list[list[int | None]]:
    """Each series' figures in the workbook embedded in ``chart``, as whole percentages, read with openpyxl
    from the cells the chart's series formulas name."""
    import io
    import posixpath
    import re

    import openpyxl

    folder, name = posixpath.split(chart)
    rels = package.read(f"{folder}/_rels/{name}.rels").decode()
    target = re.search(r'Type="[^"]*/package" Target="([^"]+)"', rels).group(1)
    part = package.read(chart).decode()
    assert re.search(r'<c:externalData r:id="[^"]+"', part), "the chart names its workbook"
    book = openpyxl.load_workbook(io.BytesIO(package.read(posixpath.normpath(posixpath.join(folder, target)))))
    found = []
    for formula in re.findall(r"<c:val><c:numRef><c:f>([^<]+)</c:f>", part):
        sheet, cells = formula.rsplit("!", 1)
        values = [row[0].value for row in book[sheet.strip("'")][cells.replace("$", "")]]
        found.append([None if v is None else round(v * 100) for v in values])
    return found


def expected_figures(runner, code: str) -> list[list[int | None]]:
    result = runner.invoke(cli, ["stats", "--year", "2020", "--format", "json"])
    record = next(a for a in json.loads(result.stdout)["authorities"] if a["code"] == code)

    def whole(value):
        from fractions import Fraction

        from ombudsman_cli.stats import half_up
        return None if value is None else half_up(Fraction(value).limit_denominator(10**9) * 100)

    names = ("uphold_rate", "compliance_rate", "satisfactory_remedy_rate")
    return [[whole(record[n]) for n in names], [whole(record[f"average_{n}"]) for n in names]]


def resave_in_libreoffice(template: Path, out: Path) -> Path:
    import subprocess

    out.mkdir(exist_ok=True)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(out), str(template)],
                   check=True, capture_output=True, timeout=180)
    return out / template.name


@pytest.mark.libreoffice
def test_a_template_resaved_by_libreoffice_gives_letters_whose_chart_has_their_figures(runner, letters_folder, tmp_path):
    template = resave_in_libreoffice(ROOT / "letter_templates" / "annual-review-letter.docx", tmp_path / "resaved")
    with zipfile.ZipFile(template) as package:  # what LibreOffice did to the chart: its link is gone
        chart_part = next(n for n in package.namelist() if n.startswith("word/charts/"))
        assert b"OmbudsmanRates" not in package.read(chart_part)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--template", str(template),
                                 "--out", "resaved-letters", "--authority", "Bassetlaw", "--authority", "Adur",
                                 "--authority", "Ashfield"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "UserWarning" not in result.output
    # Ashfield has no rate, so no chart: none of the chart's parts (LibreOffice's included) stay in its file.
    ashfield = (tmp_path / "resaved-letters" / "ashfield-district-council.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(ashfield)) as package:
        assert not [n for n in package.namelist() if n.startswith(("word/charts/", "word/embeddings/"))]
    assert package_problems(ashfield) == []
    for code, name in (("E07000171", "bassetlaw-district-council.docx"), ("E07000223", "adur-district-council.docx")):
        figures, descriptions = chart_figures(tmp_path / "resaved-letters" / name)
        assert figures == expected_figures(runner, code)
        assert len(descriptions) == 1 and descriptions[0].startswith("Bar chart comparing your authority")
        yours = figures[0][0]
        assert (f"Complaints upheld: your authority {yours}%" if yours is not None else "no rate") in descriptions[0]


def generic_template_changed(path: Path, change) -> Path:
    """A copy of the generic template with ``change(name, data)`` applied to each of its parts."""
    with zipfile.ZipFile(ROOT / "letter_templates" / "annual-review-letter.docx") as source, \
            zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info, change(info.filename, source.read(info)))
    return path


def test_a_template_whose_chart_cannot_be_filled_is_refused_before_anything_is_written(runner, letters_folder, tmp_path):
    template = generic_template_changed(tmp_path / "renamed-series.docx", lambda name, data: data.replace(
        b"OmbudsmanRates", b"Sheet1").replace(b"Your authority", b"This council") if name.startswith("word/charts/")
        else data)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--template", str(template),
                                 "--out", "refused"])
    assert result.exit_code == 1 and "has a chart that ombudsman cannot fill" in result.output
    assert not (tmp_path / "refused").exists()


def test_a_template_whose_properties_libreoffice_related_the_old_way_gives_one_part_each(runner, letters_folder, tmp_path):
    template = generic_template_changed(tmp_path / "old-core.docx", lambda name, data: data.replace(
        b"package/2006/relationships/metadata/core-properties",
        b"officeDocument/2006/relationships/metadata/core-properties") if name == "_rels/.rels" else data)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--template", str(template),
                                 "--out", "old-core", "--authority", "Adur"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    with zipfile.ZipFile(tmp_path / "old-core" / "adur-district-council.docx") as letter:
        assert Counter(letter.namelist())["docProps/core.xml"] == 1
        assert b"Adur District Council" in letter.read("docProps/core.xml")


def test_a_picture_without_alternative_text_is_warned_about_by_name(runner, letters_folder, tmp_path):
    import docx
    from PIL import Image

    Image.new("RGB", (20, 20), "white").save(tmp_path / "logo.png")
    document = docx.Document(str(ROOT / "letter_templates" / "annual-review-letter.docx"))
    document.paragraphs[0].add_run().add_picture(str(tmp_path / "logo.png"))
    document.save(str(tmp_path / "with-logo.docx"))
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--template",
                                 str(tmp_path / "with-logo.docx"), "--out", "logo", "--authority", "Adur"])
    assert result.exit_code == 0, result.output
    assert "has pictures without alternative text ('Picture 2')" in result.output
    assert "do not claim PDF/UA" in result.output


def test_a_pdf_made_from_a_letter_with_an_undescribed_picture_does_not_claim_pdf_ua(tmp_path):
    import pikepdf

    from ombudsman_cli.letters.pdf_finish import LetterFacts, _put_right

    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
        metadata["pdfuaid:part"] = "1"
    for descriptions, claimed in (((), True), (("a chart",), True), (("a chart", ""), False)):
        copy = pikepdf.open(_saved(pdf, tmp_path))
        _put_right(copy, LetterFacts("t", "", "en-GB", __import__("datetime").date(2020, 7, 22), descriptions))
        assert ("pdfuaid:part" in copy.open_metadata()) is claimed


def _saved(pdf, tmp_path: Path) -> Path:
    path = tmp_path / "blank.pdf"
    pdf.save(path)
    return path


# -- 6. the same numbers everywhere, and messages that read right ------------------------------------------

def test_the_group_tables_count_the_councils_that_get_letters(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, ["stats", "--year", "2020", "--format", "json"])
    groups = json.loads(result.stdout)["averages"]
    assert sum(group["authorities"] for group in groups.values()) == 343  # the letters the README's command writes
    assert groups["County Council"]["authorities"] == 26


def test_check_reports_no_figures_from_a_date_column_it_cannot_use(runner, tmp_path):
    rows = [[f"R{n}", "Adur District Council", f"0{1 + n % 9}/{13 + n}/2019", "Upheld", "", "", ""] for n in range(12)]
    write_csv(tmp_path / "us.csv", rows)
    result = runner.invoke(cli, ["check", "--decisions", str(tmp_path / "us.csv"), "--format", "json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 1
    assert summary["years"] is None and summary["unusable_columns"] == ["decision_date"]
    assert summary["warnings"] == []
    text = runner.invoke(cli, ["check", "--decisions", str(tmp_path / "us.csv")])
    assert "business years: not counted: column decision_date cannot be used" in text.output


def test_counts_in_messages_agree_with_their_nouns(runner, letters_folder, tmp_path):
    result = runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur",
                                 "--pdf"])
    assert "Wrote 1 letter and 1 PDF for 2019/20" in result.output
    result = send(runner, "--authority", "Adur")
    assert "1 message written to" in result.output and "open it in a mail program" in result.output


@pytest.mark.parametrize("command, choices", [
    ("check", "table: a table for people; json: JSON for scripts"),
    ("stats", "table: a table for people; json: JSON for scripts; csv: CSV"),
    ("export", "csv: CSV for scripts and spreadsheets; json: JSON for scripts"),
    ("letters", "text: a summary for people; json: JSON for scripts"),
    ("send", "table: a table for people; json: JSON for scripts"),
    ("site", "text: a summary for people; json: JSON for scripts"),
])
def test_each_commands_format_help_lists_its_own_choices(runner, command, choices):
    result = runner.invoke(cli, [command, "--help"], terminal_width=1000)
    assert " ".join(result.output.split()).count(choices) == 1, result.output


def test_write_letters_for_some_councils_from_python_keeps_the_others(letters_folder, register):
    from datetime import date

    from ombudsman_cli import DocumentProperties, LetterRenderer, find_template, plan_letters, write_letters
    from ombudsman_cli.data.validation import load_decisions
    from ombudsman_cli.stats import compute_statistics

    before = {row["file"] for row in csv.DictReader((letters_folder / "manifest.csv").open())}
    decisions = load_decisions(letters_folder.parent.parent / "d.csv", register).require_valid()
    statistics = compute_statistics(decisions.records, register, YEAR)
    day = date(2020, 7, 22)
    planned = plan_letters(statistics, day, codes=["E07000223"])
    run = write_letters(planned, LetterRenderer(find_template(2020), DocumentProperties("Annual Review letter 2020", day)),
                        letters_folder)
    assert run.removed == [] and len(run.kept) == len(before) - 1
    assert {row["file"] for row in csv.DictReader((letters_folder / "manifest.csv").open())} == before
