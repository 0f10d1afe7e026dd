"""Issue 32: knowing that each letter arrived. Letters sent to a real SMTP server on this machine, then
delivery reports of every kind (tests/delivery_reports.py) put in the sender's mailbox (an mbox file, a
Maildir folder, and a real IMAP server, Dovecot, over TLS), read back by ``ombudsman bounces`` into the
ledger; then ``send --send`` after a corrected contact sends to that council only."""

from __future__ import annotations

import csv
import hashlib
import json
import mailbox as stdlib_mailbox
import os
from pathlib import Path

import pytest

from ombudsman_cli.send.ledger import FIRST_FIELDS, LEDGER_FIELDS, Ledger
from ombudsman_cli.years import BusinessYear

from . import delivery_reports as reports
from .imap_server import DOVECOT, PASSWORD, USER, ImapServer
from .mail_fixtures import CONTACTS, COUNCILS, all_ledger_rows, ledger, write_config
from .mail_fixtures import send as send_any

ADUR, ASHFIELD, BASSETLAW = "E07000223", "E07000170", "E07000171"


def send(runner, *extra):
    """``send`` for the three councils with addresses (Hammersmith and Fulham has none: exit 1 by itself)."""
    return send_any(runner, *extra, *[a for council in COUNCILS for a in ("--authority", council)])


@pytest.fixture
def sent(runner, letters_folder, server):
    """The three councils' letters sent for real: {council's code: the message the server received}."""
    result = send(runner, "--send")
    assert result.exit_code == 0, result.output
    by_code = {}
    for received in server.received:
        code = received.message["Message-ID"].split(".")[2].upper()
        by_code[code] = received.message
    assert set(by_code) == {ADUR, ASHFIELD, BASSETLAW}
    return by_code


def bounces(runner, *extra):
    from ombudsman_cli.cli import cli

    return runner.invoke(cli, ["bounces", "--year", "2020", *extra])


def findings(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The ledger's rows of what reports said: (council's code, recipient) -> the row."""
    rows = [r for r in all_ledger_rows(folder) if r["outcome"] in ("delivered", "bounced", "delayed", "auto-reply")]
    keyed = {(r["code"], r["recipient"]): r for r in rows}
    assert len(keyed) == len(rows), "a finding recorded twice"
    return keyed


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = stdlib_mailbox.mbox(str(path))
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return path


def unknown_letter(letter):
    """A report about a message that is no letter of ours (another sender's Message-ID and subject)."""
    import copy

    other = copy.deepcopy(letter)
    del other["Message-ID"], other["Subject"]
    other["Message-ID"] = "<something-else-1@elsewhere.example.com>"
    other["Subject"] = "Minutes of the meeting"
    return other


def test_every_kind_of_report_gives_each_recipient_its_outcome_and_a_second_run_adds_nothing(runner, sent,
                                                                                             letters_folder, tmp_path):
    adur, ashfield, bassetlaw = sent[ADUR], sent[ASHFIELD], sent[BASSETLAW]
    box = write_mbox(tmp_path / "Inbox.mbox", [
        reports.microsoft_365_ndr(adur, "ceo@adur.example.org"),
        reports.vacation_reply(adur, "link@adur.example.org"),  # no threading headers: by address and subject
        reports.postfix_dsn(ashfield, "ceo@ashfield.example.org", action="delivered", status="2.0.0",
                            diagnostic="smtp; 250 2.0.0 Ok: queued as 9A1B2C", report_id="<ok-1@mx1.lgo.example.org>"),
        reports.gmail_bounce(bassetlaw, "ceo@bassetlaw.example.org"),
        reports.exim_bounce(bassetlaw, "link@bassetlaw.example.org", permanent=False),
        reports.read_receipt(bassetlaw, "monitoring@bassetlaw.example.org"),
        reports.person_reply(bassetlaw, "ceo@bassetlaw.example.org"),  # a person's reply: left alone
        reports.postfix_dsn(unknown_letter(adur), "someone@elsewhere.example.com"),  # no letter of ours
    ])
    before = hashlib.sha256(box.read_bytes()).hexdigest(), os.stat(box).st_mtime_ns
    result = bounces(runner, "--mailbox", str(box))
    assert result.exit_code == 1, result.output  # letters bounced
    found = findings(letters_folder)
    assert {key: row["outcome"] for key, row in found.items()} == {
        (ADUR, "ceo@adur.example.org"): "bounced",
        (ADUR, "link@adur.example.org"): "auto-reply",
        (ASHFIELD, "ceo@ashfield.example.org"): "delivered",
        (BASSETLAW, "ceo@bassetlaw.example.org"): "bounced",
        (BASSETLAW, "link@bassetlaw.example.org"): "delayed",
        (BASSETLAW, "monitoring@bassetlaw.example.org"): "delivered",
    }
    bounce = found[(ADUR, "ceo@adur.example.org")]
    assert bounce["status"] == "5.1.10" and "RecipientNotFound" in bounce["reply"]
    assert bounce["report_date"] == "2020-11-02T10:15:03+00:00" and bounce["report_id"].startswith("<2d1a3c4e")
    assert bounce["message_id"] == adur["Message-ID"] and bounce["authority"] == "Adur District Council"
    assert found[(BASSETLAW, "link@bassetlaw.example.org")]["status"] == "4.7.1"
    assert "out of the office" not in found[(ADUR, "link@adur.example.org")]["reply"]  # its own words
    assert found[(ADUR, "link@adur.example.org")]["reply"] == "I am on leave until 20 November."
    output = result.output
    assert "Read 8 messages" in output and "7 about letters" in output
    assert "Not matched to a letter (not recorded): 1" in output and "Minutes of the meeting" in output
    assert "bounced: Adur District Council: ceo@adur.example.org (5.1.10: 550 5.1.10 RESOLVER.ADR" in output
    assert "auto-reply: Adur District Council: link@adur.example.org" in output
    assert "Traceback" not in output
    # The mailbox is as it was: read, never changed.
    assert (hashlib.sha256(box.read_bytes()).hexdigest(), os.stat(box).st_mtime_ns) == before
    ledger_before = (letters_folder / "send-log.csv").read_bytes()
    again = bounces(runner, "--mailbox", str(box), "--format", "json")
    assert again.exit_code == 1
    data = json.loads(again.stdout)
    assert data["recorded"] == [] and data["already_recorded"] == 6 and len(data["unmatched"]) == 1
    assert (letters_folder / "send-log.csv").read_bytes() == ledger_before  # nothing added
    councils = {c["code"]: c for c in data["councils"]}
    assert councils[ADUR]["bounced"][0]["recipient"] == "ceo@adur.example.org"
    assert councils[ADUR]["auto_replies"] == [{"recipient": "link@adur.example.org",
                                              "text": "I am on leave until 20 November."}]
    assert councils[ASHFIELD]["delivered"] == ["ceo@ashfield.example.org"] and councils[ASHFIELD]["bounced"] == []
    assert councils[BASSETLAW]["delayed"][0]["recipient"] == "link@bassetlaw.example.org"
    assert data["totals"] == {"councils_sent": 3, "delivered": 3, "bounced": 2, "waiting": 1, "councils_bounced": 2}
    # The ledger's own rows of what was sent are untouched, and read as before.
    assert [r["outcome"] for r in ledger(letters_folder)] == ["sent", "sent", "sent"]


def test_send_status_says_what_became_of_each_letter_and_names_a_council_with_no_recipient_left(runner, sent,
                                                                                               letters_folder, tmp_path):
    box = write_mbox(tmp_path / "b.mbox", [reports.exim_bounce(sent[ASHFIELD], "ceo@ashfield.example.org")])
    assert bounces(runner, "--mailbox", str(box)).exit_code == 1
    result = send(runner, "--status")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("No one at Ashfield District Council has the letter: every recipient bounced "
                               "(ceo@ashfield.example.org: 5.2.2: 550 5.2.2 Mailbox full")
    assert "3 councils sent the letter; recipients: 0 delivered" in result.output
    assert "1 bounced, 5 waiting" in result.output  # no report yet: Adur's two recipients, Bassetlaw's three
    data = json.loads(send(runner, "--status", "--format", "json").stdout)
    ashfield = next(c for c in data["councils"] if c["code"] == ASHFIELD)
    assert ashfield["every_recipient_bounced"] is True and ashfield["sent"] == 1
    assert ashfield["bounced"][0]["status"] == "5.2.2"
    adur = next(c for c in data["councils"] if c["code"] == ADUR)
    assert sorted(adur["waiting"]) == ["ceo@adur.example.org", "link@adur.example.org"]


def test_after_a_corrected_contact_send_sends_to_that_council_only(runner, sent, letters_folder, server, tmp_path):
    box = write_mbox(tmp_path / "b.mbox", [reports.gmail_bounce(sent[BASSETLAW], "ceo@bassetlaw.example.org"),
                                           reports.read_receipt(sent[BASSETLAW], "link@bassetlaw.example.org")])
    assert bounces(runner, "--mailbox", str(box)).exit_code == 1
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS.replace("ceo@bassetlaw.example.org", "chief.executive@bassetlaw.example.org"))
    received = len(server.received)
    result = send(runner, "--send")
    assert result.exit_code == 0, result.output
    new = server.received[received:]
    assert len(new) == 1  # that council only
    # To the new address only: the link officer read it, and the monitoring officer was sent it with no bounce.
    assert new[0].recipients == ["chief.executive@bassetlaw.example.org"]
    assert new[0].message["To"] == "chief.executive@bassetlaw.example.org" and new[0].message["Cc"] is None
    assert ("Sending again to Bassetlaw District Council, whose letter bounced for ceo@bassetlaw.example.org "
            "(5.1.1: 550-5.1.1 The email account that you tried to reach does not exist.): now to "
            "chief.executive@bassetlaw.example.org, from the contacts file.") in result.stderr
    assert "still there" not in result.stderr
    status = send(runner, "--status")
    assert status.exit_code == 0, status.output  # the bounce is answered: nothing bounced now
    assert "bounced before, sent again since: Bassetlaw District Council: ceo@bassetlaw.example.org" in status.output
    again = send(runner, "--send")
    assert again.exit_code == 0 and len(server.received) == received + 1  # nothing more to send


def test_an_address_that_bounced_is_tried_again_only_while_the_contacts_still_give_it(runner, sent, letters_folder,
                                                                                      server, tmp_path):
    box = write_mbox(tmp_path / "b.mbox", [reports.microsoft_365_ndr(sent[ASHFIELD], "ceo@ashfield.example.org")])
    assert bounces(runner, "--mailbox", str(box)).exit_code == 1
    received = len(server.received)
    result = send(runner, "--send")  # the contacts are as they were
    assert result.exit_code == 0, result.output
    assert [r.recipients for r in server.received[received:]] == [["ceo@ashfield.example.org"]]
    assert "ceo@ashfield.example.org is still there, so tried again" in result.stderr
    # A council removed from the contacts, its only address bounced: nothing to send, said in red, exit 1.
    assert bounces(runner, "--mailbox", str(write_mbox(tmp_path / "c.mbox", [
        reports.exim_bounce(sent[ASHFIELD], "ceo@ashfield.example.org")]))).exit_code == 1
    (tmp_path / "contacts.csv").write_text("\n".join(line for line in CONTACTS.splitlines() if "Ashfield" not in line))
    result = send(runner, "--send")
    assert result.exit_code == 1
    assert "Bounced, and the contacts give no address that does not have it: Ashfield District Council" in result.output
    assert len(server.received) == received + 1


def test_a_maildir_and_an_eml_file_are_read_as_an_mbox_is(runner, sent, letters_folder, tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.M1.host").write_bytes(reports.exchange_ndr_in_words(sent[ADUR], "ceo@adur.example.org"))
    (maildir / "cur" / "2.M2.host:2,S").write_bytes(reports.latin1_dsn(sent[ADUR], "link@adur.example.org"))
    (maildir / "cur" / "3.M3.host:2,").write_bytes(reports.not_mime())
    names = sorted(p.name for p in maildir.rglob("*") if p.is_file())
    result = bounces(runner, "--mailbox", str(maildir), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert {(f["recipient"], f["outcome"], f["status"]) for f in data["recorded"]} == {
        ("ceo@adur.example.org", "bounced", "5.1.1"), ("link@adur.example.org", "bounced", "5.1.1")}
    assert data["skipped"] == [{"where": "cur/3.M3.host:2,", "why": "no headers"}]
    assert sorted(p.name for p in maildir.rglob("*") if p.is_file()) == names  # nothing moved, nothing flagged
    eml = tmp_path / "receipt.eml"
    eml.write_bytes(reports.read_receipt(sent[ASHFIELD], "ceo@ashfield.example.org"))
    data = json.loads(bounces(runner, "--mailbox", str(eml), "--format", "json").stdout)
    assert [(f["code"], f["outcome"]) for f in data["recorded"]] == [(ASHFIELD, "delivered")]


def test_a_mailbox_that_is_not_one_is_a_clear_error(runner, sent, letters_folder, tmp_path):
    (tmp_path / "empty-folder").mkdir()
    result = bounces(runner, "--mailbox", str(tmp_path / "empty-folder"))
    assert result.exit_code == 1 and "is a folder but not a Maildir (it has no cur/ or new/)" in result.output
    result = bounces(runner, "--mailbox", str(tmp_path / "nope.mbox"))
    assert result.exit_code == 1 and "nope.mbox: no such file or folder" in result.output
    result = bounces(runner)  # no [bounces] and no --mailbox
    assert result.exit_code == 1 and "set [bounces] host" in result.output
    assert "Traceback" not in result.output


def test_a_ledger_from_before_delivery_reports_is_read_and_its_header_completed(tmp_path):
    ledger_path = tmp_path / "send-log.csv"
    row = ["2020-07-22T10:00:00+01:00", "2020", "Adur District Council", ADUR, "adur-district-council.docx", "ab" * 32,
           "adur-district-council.pdf", "<ombudsman.2020.e07000223.abababababababab@lgo.example.org>",
           "ceo@adur.example.org", "", "sent", "250 OK", ""]
    ledger_path.write_text(",".join(FIRST_FIELDS) + "\n" + ",".join(row) + "\n")
    ledger_file = Ledger(tmp_path)
    councils, damaged = ledger_file.councils(BusinessYear(2020))
    assert damaged == [] and councils[ADUR].last_recipients == ["ceo@adur.example.org"]
    ledger_file.append({"time": "2020-11-01T09:00:00+00:00", "year": 2020, "authority": "Adur District Council",
                        "code": ADUR, "outcome": "bounced", "recipient": "ceo@adur.example.org", "status": "5.1.1",
                        "report_id": "<r1@x>", "message_id": row[7]})
    with ledger_path.open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == list(LEDGER_FIELDS) and lines[1] == row and len(lines[2]) == len(LEDGER_FIELDS)
    councils, damaged = ledger_file.councils(BusinessYear(2020))
    assert damaged == [] and [e.recipient for e in councils[ADUR].bounced] == ["ceo@adur.example.org"]
    assert councils[ADUR].all_bounced


# -- a real IMAP server ---------------------------------------------------------------------------------

needs_dovecot = pytest.mark.skipif(DOVECOT is None, reason="needs Dovecot (dovecot-imapd; .ci/run installs it)")


@pytest.fixture
def imap(certificate):
    """Dovecot in a folder of its own that its unprivileged processes can reach (pytest's are private)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ombudsman-imap-"))
    folder.chmod(0o755)
    server = ImapServer(folder, certificate).start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def imap_config(letters_folder: Path, server_port: int, imap: ImapServer, extra: str = "") -> None:
    write_config(letters_folder.parent.parent, port=server_port,
                 extra=f'[bounces]\nhost = "localhost"\nport = {imap.port}\nuser = "{USER}"\n{extra}')


@needs_dovecot
def test_reports_on_a_real_imap_server_are_read_without_marking_them_read(runner, sent, letters_folder, server, imap,
                                                                          monkeypatch):
    for message in (reports.exim_bounce(sent[BASSETLAW], "link@bassetlaw.example.org"),
                    reports.exchange_out_of_office(sent[ASHFIELD], "ceo@ashfield.example.org"),
                    reports.huge_dsn(sent[ADUR], "ceo@adur.example.org"),
                    reports.person_reply(sent[ADUR], "link@adur.example.org"),
                    reports.not_mime()):
        imap.deliver(message)
    monkeypatch.setenv("OMBUDSMAN_IMAP_PASSWORD", PASSWORD)
    imap_config(letters_folder, server.port, imap)
    flags_before = imap.flags()
    result = bounces(runner)
    assert result.exit_code == 1, result.output
    found = findings(letters_folder)
    assert {key: row["outcome"] for key, row in found.items()} == {
        (BASSETLAW, "link@bassetlaw.example.org"): "bounced", (ASHFIELD, "ceo@ashfield.example.org"): "auto-reply",
        (ADUR, "ceo@adur.example.org"): "bounced"}
    assert "Read 5 messages from INBOX on localhost" in result.output
    assert "Read the first 2 MB of INBOX, UID 3 (20.5 MB)" in result.output
    assert "Skipped INBOX, UID 5: no headers" in result.output
    assert imap.flags() == flags_before and not any("\\Seen" in f or "\\Deleted" in f for f in flags_before)
    assert len(flags_before) == 5
    again = bounces(runner, "--format", "json")
    assert json.loads(again.stdout)["recorded"] == [] and json.loads(again.stdout)["already_recorded"] == 3
    assert imap.flags() == flags_before


@needs_dovecot
def test_a_refused_login_and_a_folder_that_does_not_exist_are_clear_errors(runner, sent, letters_folder, server, imap,
                                                                         monkeypatch):
    imap.deliver(reports.exim_bounce(sent[ASHFIELD], "ceo@ashfield.example.org"))
    ledger_before = (letters_folder / "send-log.csv").read_bytes()
    monkeypatch.setenv("OMBUDSMAN_IMAP_PASSWORD", "wrong")
    imap_config(letters_folder, server.port, imap)
    result = bounces(runner)
    assert result.exit_code == 1
    assert f"localhost:{imap.port} refused the login for {USER}" in result.output and "wrong" not in result.output
    monkeypatch.setenv("OMBUDSMAN_IMAP_PASSWORD", PASSWORD)
    imap_config(letters_folder, server.port, imap, 'folder = "Bounces"\n')
    result = bounces(runner)
    assert result.exit_code == 1
    assert f"localhost:{imap.port} has no folder 'Bounces' for {USER}" in result.output and "INBOX" in result.output
    assert (letters_folder / "send-log.csv").read_bytes() == ledger_before
    imap.deliver(reports.read_receipt(sent[ASHFIELD], "ceo@ashfield.example.org"), folder="Bounces")
    result = bounces(runner, "--format", "json")
    assert [(f["code"], f["outcome"]) for f in json.loads(result.stdout)["recorded"]] == [(ASHFIELD, "delivered")]
    assert "Traceback" not in result.output
