"""Issue 11: `ombudsman send` against a real SMTP server. Dry run by default, every message inspectable,
a ledger of what went, resumable after any failure, never the same letter twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.config import MailSettings
from ombudsman_cli.locking import folder_lock
from ombudsman_cli.send import transports
from ombudsman_cli.send.ledger import Ledger
from ombudsman_cli.send.plan import EmailTemplate, plan_sending
from ombudsman_cli.send.run import send_all
from ombudsman_cli.templates import find_email_template

from .conftest import ROWS, as_text, heavy_modules_loaded, write_csv
from .mail_fixtures import (
    CONTACTS,
    COUNCILS,
    YEAR,
    ledger,
    send,
    write_config,
)
from .smtp_server import Behaviour, MailServer


def test_a_dry_run_is_the_default_and_writes_every_message_to_the_outbox(runner, letters_folder, server):
    result = send(runner)
    assert result.exit_code == 1  # Hammersmith & Fulham has no address: listed, and the exit says so
    assert "Dry run: nothing was sent" in result.output and server.received == []
    assert "Not sent: no address: 1" in result.output and "London Borough of Hammersmith & Fulham" in result.output
    assert ledger(letters_folder) == []
    written = sorted(p.name for p in (letters_folder / "outbox").glob("*.eml"))
    assert written == ["adur-district-council.eml", "ashfield-district-council.eml", "bassetlaw-district-council.eml"]
    # Issue 21: counted, not a row per message, unless asked.
    summary = " ".join(result.output.split())
    assert "3 messages (" in summary and "3 written to outbox; attached: PDF to 3;" in summary
    assert "┃" not in result.output and "a row for each: --format table or -v" in summary
    for asked in (["-v"], ["--format", "table"]):
        table = send(runner, *asked)
        assert "┃ Council" in table.output and "Bassetlaw" in table.output and "written to" in table.output
    message = message_from_bytes((letters_folder / "outbox" / "bassetlaw-district-council.eml").read_bytes(),
                                 policy=policy.default)
    assert message.get_content_type() == "multipart/mixed"
    assert message["To"] == "ceo@bassetlaw.example.org"
    assert message["Cc"] == "link@bassetlaw.example.org, monitoring@bassetlaw.example.org"
    assert message["From"] == "reviews@lgo.example.org" and message["Reply-To"] == "replies@lgo.example.org"
    assert message["Subject"] == "Annual Review letter 2020: Bassetlaw District Council"
    assert message["Date"] and message["Message-ID"].startswith("<ombudsman.2020.e07000171.")
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Dear Mr Taylor,") and "dated 22 July 2020" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "bassetlaw-district-council.pdf"
    assert attachment.get_payload(decode=True) == (letters_folder / "bassetlaw-district-council.pdf").read_bytes()


def test_send_delivers_each_letter_once_with_its_recipients_and_exact_pdf(runner, letters_folder, server):
    result = send(runner, "--send", "--format", "json")
    assert result.exit_code == 1  # the council without an address
    report = json.loads(result.stdout)
    assert report["counts"]["sent"] == 3 and report["unaddressed"] == ["London Borough of Hammersmith & Fulham"]
    by_subject = {r.message["Subject"]: r for r in server.received}
    assert len(by_subject) == 3
    bassetlaw = by_subject["Annual Review letter 2020: Bassetlaw District Council"]
    assert bassetlaw.sender == "reviews@lgo.example.org"
    assert bassetlaw.recipients == ["ceo@bassetlaw.example.org", "link@bassetlaw.example.org",
                                    "monitoring@bassetlaw.example.org"]
    assert bassetlaw.attachments() == {
        "bassetlaw-district-council.pdf": (letters_folder / "bassetlaw-district-council.pdf").read_bytes()}
    rows = ledger(letters_folder)
    assert [r["outcome"] for r in rows] == ["sent"] * 3
    assert {r["code"] for r in rows} == {"E07000223", "E07000170", "E07000171"}
    assert all(r["reply"].startswith("250") and r["message_id"] for r in rows)
    # Again: nothing is sent twice.
    result = send(runner, "--send")
    assert len(server.received) == 3 and "Already sent" in result.output and "not sent again: 3" in result.output


def test_the_message_id_is_the_same_on_every_run(runner, letters_folder, server):
    send(runner)
    first = (letters_folder / "outbox" / "adur-district-council.eml").read_bytes()
    send(runner)
    second = (letters_folder / "outbox" / "adur-district-council.eml").read_bytes()
    header = [line for line in first.splitlines() if line.startswith(b"Message-ID")]
    assert header and header == [line for line in second.splitlines() if line.startswith(b"Message-ID")]


def test_a_deferred_message_is_retried_and_then_sent(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(defer_data=1)
    result = send(runner, "--send", "--authority", "Adur")
    assert result.exit_code == 0, result.output
    assert server.handler.data_commands == 2 and len(server.received) == 1
    assert [r["outcome"] for r in ledger(letters_folder)] == ["sent"]


def test_a_message_always_deferred_is_recorded_as_deferred_and_sent_on_a_rerun(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(defer_always_after=0)
    result = send(runner, "--send", "--authority", "Adur")
    assert result.exit_code == 1 and "deferred" in result.output
    assert [r["outcome"] for r in ledger(letters_folder)] == ["deferred"]
    server.handler.behaviour = Behaviour()
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0  # deferred is not final
    assert [r["outcome"] for r in ledger(letters_folder)] == ["deferred", "sent"] and len(server.received) == 1


def test_a_recipient_refused_is_recorded_by_address_and_the_others_get_it(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(refuse={"monitoring@bassetlaw.example.org": "550 5.1.1 No such user"})
    result = send(runner, "--send", "--authority", "Bassetlaw")
    assert result.exit_code == 1 and "but refused: monitoring@bassetlaw.example.org (550 5.1.1" in result.output
    [received] = server.received
    assert received.recipients == ["ceo@bassetlaw.example.org", "link@bassetlaw.example.org"]
    [row] = ledger(letters_folder)
    assert row["outcome"] == "sent" and row["refused"] == "monitoring@bassetlaw.example.org: 550 5.1.1 No such user"


def test_a_message_refused_outright_is_final(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(refuse={"ceo@adur.example.org": "550 5.7.1 Rejected",
                                                 "link@adur.example.org": "550 5.7.1 Rejected"})
    result = send(runner, "--send", "--authority", "Adur")
    assert result.exit_code == 1 and [r["outcome"] for r in ledger(letters_folder)] == ["refused"]
    server.handler.behaviour = Behaviour()
    result = send(runner, "--send", "--authority", "Adur")
    assert server.received == [] and "not sent again: 1" in result.output  # refused is not retried


def test_a_connection_dropped_after_data_is_unknown_and_never_resent(runner, letters_folder, server):
    server.handler.behaviour = Behaviour(drop_after_data={1})
    result = send(runner, "--send", "--authority", "Adur", "--authority", "Ashfield")
    assert result.exit_code == 1 and "unknown" in result.output
    outcomes = {r["code"]: r["outcome"] for r in ledger(letters_folder)}
    assert sorted(outcomes.values()) == ["sent", "unknown"]  # the second message on a fresh connection
    assert len(server.received) == 2
    result = send(runner, "--send", "--authority", "Adur", "--authority", "Ashfield")
    assert len(server.received) == 2  # the one that may have arrived is not sent again


def test_resend_is_the_only_way_to_send_again_and_says_what_went_before(runner, letters_folder, server):
    assert send(runner, "--send", "--authority", "Adur").exit_code == 0
    result = send(runner, "--send", "--authority", "Adur", "--resend", "Adur")
    assert result.exit_code == 0 and len(server.received) == 2
    assert "Resending to Adur District Council: sent on" in result.stderr and "Message-ID <ombudsman.2020" in result.stderr


def test_to_self_sends_every_message_to_one_address_and_is_never_recorded_as_sent(runner, letters_folder, server):
    result = send(runner, "--send", "--to-self", "me@lgo.example.org", "--limit", "2")
    assert len(server.received) == 2 and "Not attempted: 1" in result.output
    for received in server.received:
        assert received.recipients == ["me@lgo.example.org"]
        assert received.message["Subject"].startswith("[TEST for ceo@") and "Cc" not in received.message
    assert [r["outcome"] for r in ledger(letters_folder)] == ["test", "test"]
    send(runner, "--send")
    assert len(server.received) == 5  # the real ones all still go


def test_a_letter_changed_after_it_was_made_is_refused_by_name(runner, letters_folder, server):
    letter = letters_folder / "adur-district-council.docx"
    letter.write_bytes(letter.read_bytes() + b" ")
    result = send(runner, "--send")
    assert result.exit_code == 1 and "the letter changed after it was made" in result.output
    assert "Adur District Council" in result.output
    assert sorted(r.message["Subject"].split(": ")[1] for r in server.received) == COUNCILS[1:]


def test_the_pdf_is_the_default_attachment_and_its_absence_says_what_to_do(runner, letters_folder, server):
    (letters_folder / "adur-district-council.pdf").unlink()
    result = send(runner, "--authority", "Adur")
    assert result.exit_code == 1 and "no PDF of adur-district-council.docx: run 'ombudsman letters --pdf'" in result.output
    result = send(runner, "--send", "--authority", "Adur", "--attach", "docx")
    assert result.exit_code == 0
    assert list(server.received[0].attachments()) == ["adur-district-council.docx"]
    part = next(server.received[0].message.iter_attachments())
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_bad_address_is_reported_with_its_council(runner, letters_folder, server):
    manifest = letters_folder / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("ceo@adur.example.org", "ceo@@adur"))
    result = send(runner, "--send")
    assert result.exit_code == 1 and "Adur District Council: 'ceo@@adur' is not an email address" in result.output
    assert len(server.received) == 2


def test_an_undefined_name_in_the_email_template_stops_everything(runner, letters_folder, server, tmp_path):
    template = tmp_path / "email.txt"
    template.write_text("Subject: Letter for {{ authority }}\n\nDear {{ chief_executive_mobile }}\n")
    write_config(tmp_path, server.port, extra=f'template = "{template}"\n')
    result = send(runner, "--send")
    assert result.exit_code == 1 and "chief_executive_mobile" in result.output and server.received == []


def test_two_runs_at_once_on_one_folder(runner, letters_folder, server):
    with folder_lock(letters_folder, "another send"):
        result = send(runner, "--send")
    assert result.exit_code == 1 and "in use by another ombudsman run" in result.output and server.received == []


def test_a_run_broken_midway_and_resumed_delivers_every_letter_exactly_once(letters_folder, server):
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "ombudsman_cli", "send", "--year", "2020", "--send", "--rate", "60"]
    process = subprocess.Popen(command, cwd=letters_folder.parent.parent, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)  # a second passes between messages at 60 a minute
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "records every message sent so far" in err
    sent_first = len(server.received)
    assert 1 <= sent_first < 3 and len(ledger(letters_folder)) == sent_first
    resumed = subprocess.run(command[:-2] + ["--rate", "0"], cwd=letters_folder.parent.parent, env=environment,
                             capture_output=True, text=True)
    assert resumed.returncode == 1  # Hammersmith & Fulham still has no address
    subjects = [r.message["Subject"] for r in server.received]
    assert sorted(subjects) == sorted(f"Annual Review letter 2020: {c}" for c in COUNCILS)


def test_starttls_and_a_password_from_the_environment(runner, letters_folder, tmp_path, monkeypatch, certificate):
    monkeypatch.delenv("OMBUDSMAN_SMTP_PASSWORD", raising=False)
    secure = MailServer(tls=certificate, password="s3cret-Pa55").start()
    try:
        write_config(tmp_path, secure.port, security="starttls", extra='username = "reviews@lgo.example.org"\n')
        result = send(runner, "--send", "--authority", "Adur")
        assert result.exit_code == 2 and "there is no password" in result.output
        monkeypatch.setenv("OMBUDSMAN_SMTP_PASSWORD", "wrong")
        result = send(runner, "--send", "--authority", "Adur")
        assert result.exit_code == 1 and "refused the login" in result.output and "wrong" not in result.output
        assert ledger(letters_folder) == []
        monkeypatch.setenv("OMBUDSMAN_SMTP_PASSWORD", "s3cret-Pa55")
        result = send(runner, "--send", "--authority", "Adur")
        assert result.exit_code == 0, result.output
        assert len(secure.received) == 1 and ("reviews@lgo.example.org", "s3cret-Pa55") in secure.handler.logins
        assert "s3cret" not in result.output and "s3cret" not in (letters_folder / "send-log.csv").read_text()
    finally:
        secure.stop()


def test_a_password_command_and_an_oauth_token(runner, letters_folder, tmp_path, monkeypatch, certificate):
    monkeypatch.delenv("OMBUDSMAN_SMTP_PASSWORD", raising=False)
    server = MailServer(tls=certificate).start()
    try:
        # XOAUTH2 through smtplib's own SMTP.auth; the server answers whether the token is good.
        write_config(tmp_path, server.port, security="starttls",
                     extra='username = "reviews@lgo.example.org"\nauth = "xoauth2"\npassword_command = "echo good-token"\n')
        result = send(runner, "--send", "--authority", "Adur")
        assert result.exit_code == 0, result.output
        assert server.handler.logins == [("reviews@lgo.example.org", "Bearer good-token")]
        write_config(tmp_path, server.port, security="starttls",
                     extra='username = "reviews@lgo.example.org"\nauth = "xoauth2"\npassword_command = "echo bad-token"\n')
        result = send(runner, "--send", "--authority", "Ashfield")
        assert result.exit_code == 1 and "refused the login" in result.output and "bad-token" not in result.output
        write_config(tmp_path, server.port, security="starttls",
                     extra='username = "reviews@lgo.example.org"\nauth = "xoauth2"\n'
                           'password_command = "echo bad-token; exit 3"\n')
        result = send(runner, "--send", "--authority", "Ashfield")
        assert result.exit_code == 2 and "password_command failed (exit 3)" in result.output and "bad-token" not in result.output
        assert len(server.received) == 1
    finally:
        server.stop()


def test_the_password_never_lives_in_the_config(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ombudsman.toml").write_text('[email]\npassword = "hunter2"\n')
    result = runner.invoke(cli, ["send", "--year", "2020"])
    assert result.exit_code == 2 and "never lives in the config file" in result.output and "hunter2" not in result.output


# -- the transports keep one contract ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["outbox", "smtp"])
def test_every_transport_delivers_the_same_message(letters_folder, kind, tmp_path):
    settings = MailSettings(host="localhost", security="none", sender="reviews@lgo.example.org", rate=0)
    plan = plan_sending(letters_folder, YEAR, EmailTemplate(find_email_template()), settings, "pdf", ["E07000223"])
    server = None
    if kind == "smtp":
        server = MailServer().start()
        transport = transports.SmtpTransport(MailSettings(**{**settings.__dict__, "port": server.port}), None)
    else:
        transport = transports.OutboxTransport(tmp_path / "outbox")
    try:
        transport.open()
        report = send_all(plan, transport, settings, Ledger(tmp_path))
    finally:
        transport.close()
        if server is not None:
            server.stop()
    [(outgoing, delivery, size)] = report.deliveries
    assert delivery.outcome == ("sent" if kind == "smtp" else "written")
    assert size > (letters_folder / "adur-district-council.pdf").stat().st_size  # the letter is in it
    content = (server.received[0].message.as_bytes() if server else (tmp_path / "outbox" / "adur-district-council.eml").read_bytes())
    message = message_from_bytes(content, policy=policy.default)
    assert message["Message-ID"] == outgoing.message_id and message["To"] == "ceo@adur.example.org"


def test_a_folder_without_any_pdf_says_so_once(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "d.csv", as_text(ROWS))
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    write_config(tmp_path, port=1)
    assert runner.invoke(cli, ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--authority", "Adur"]).exit_code == 0
    result = send(runner)
    assert result.exit_code == 1
    assert "has no PDFs: run 'ombudsman letters --year 2020 --pdf' first, or send the Word letters with --attach docx" in result.output


@pytest.mark.parametrize("address", [
    "ceo@adur.example.org", "Chief.Executive@Bassetlaw.GOV.UK", "a@b.co", "user+tag@x.org", "a_b@x.org", "a%b@x.org",
    "a..b@x.org", ".a@x.org", "a.@x.org", "a@x", "a@-x.org", "a@x-.org", "a@x.t", "a@x.test", "a@x.local", "a@localhost",
    "o'brien@x.org", "a b@x.org", "a@x..org", "ü@x.org", "a@münchen.de", "x" * 65 + "@x.org", "a@" + "b" * 64 + ".org",
    "a@x.org.", "a@1.2.3.4", "a@x.c0m", "a@x.12", "a@[127.0.0.1]", "ceo@@adur",
])
def test_the_quick_address_check_agrees_with_email_validator(address):
    from email_validator import EmailNotValidError, validate_email

    from ombudsman_cli.data.addresses import BadAddress, check_address

    try:
        # Everything email-validator takes, as it goes over the wire: the domain in its ASCII (IDNA) form;
        # a mailbox with letters outside ASCII before the @ (SMTPUTF8 only) is refused (issue 16).
        expected = validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError:
        expected = None
    try:
        found = check_address(address)
    except BadAddress:
        found = None
    assert found == expected


def test_ctrl_c_during_a_retry_wait_stops_at_once_and_records_the_message_as_deferred(letters_folder, server):
    server.handler.behaviour = Behaviour(defer_always_after=0)  # 451 to everything: the retries wait 5 s, 30 s, ...
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "ombudsman_cli", "send", "--year", "2020", "--send", "--authority",
                                "Adur"], cwd=letters_folder.parent.parent, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while server.handler.data_commands < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert time.monotonic() - sent < 3 and process.returncode == 130
    assert [(r["outcome"], "the run was stopped" in r["reply"]) for r in ledger(letters_folder)] == [("deferred", True)]


def test_send_loads_neither_pandas_nor_docxtpl_nor_python_docx(letters_folder, tmp_path):
    """The send path is the standard library's email and smtplib (issue 17): its start-up pays for none of
    the heavy stages, in a dry run or for real."""
    loaded, result = heavy_modules_loaded(["send", "--year", "2020", "--authority", "Adur", "--format", "json"],
                                          tmp_path, ["pandas", "numpy", "docxtpl", "docx", "openpyxl", "mammoth",
                                                     "pikepdf"])
    assert loaded == []
    assert json.loads(result.stdout)["counts"]["written"] == 1


def test_messages_are_the_bytes_the_standard_librarys_own_policies_make(letters_folder, monkeypatch):
    """Each kind of header's class is made once (issue 21); the message is byte for byte what the standard
    policies make, for a council with a link officer copied and a reply-to address."""
    import random
    from datetime import UTC, datetime

    from ombudsman_cli.send import plan as planning

    settings = MailSettings(host="localhost", security="none", sender="Reviews <reviews@lgo.example.org>",
                            reply_to="Team <team@lgo.example.org>", rate=0)
    plan = plan_sending(letters_folder, YEAR, EmailTemplate(find_email_template()), settings, "pdf")
    now = datetime(2020, 7, 22, 9, 30, tzinfo=UTC)

    def made(send_policy):
        random.seed(7)  # the multipart boundaries
        return [planning.build_message(o, settings, now).as_bytes(policy=send_policy) for o in plan.ready[:5]]

    ours = made(planning.SMTP_POLICY)
    monkeypatch.setattr(planning, "MESSAGE_POLICY", policy.default)  # built with the standard policy
    assert ours == made(policy.SMTP)
    assert any(b"\r\nCc: " in message for message in ours) and all(b"\r\nReply-To: Team" in m for m in ours)
