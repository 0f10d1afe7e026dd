"""Sending the letters by email: planned from the letters folder, every message inspectable before it
goes, a ledger of what went, and never the same letter twice.

The plan is made from ``manifest.csv`` (which letters exist, their SHA-256, the addresses ``letters``
took from the contacts file) and ``send-log.csv`` (what was sent before). A letter whose file no longer
matches its SHA-256 is refused by name; a council without an address, or with one that is not an email
address, is listed. Each message is built with the standard library's :class:`EmailMessage`: a plain-text
body from an editable Jinja template (and an HTML alternative if the template has one), the letter
attached, a Message-ID made from the year, the council's code and the letter's hash.

A transport delivers the messages (:mod:`ombudsman_cli.transports`: SMTP, or the outbox folder of a dry
run), and :func:`send_all` walks the plan: paced, appending each outcome to the ledger as it happens and
flushing it to disk, so that a run stopped at any point can be resumed and sends only what has no
``sent``, ``refused`` or ``unknown`` entry.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

from .addresses import BadAddress, check_address, format_mailbox, parse_mailbox, split_addresses
from .config import MailSettings
from .errors import LedgerProblem, OmbudsmanError, TemplateProblem, UsageError, WrongFolder
from .folders import FolderKind, expect
from .locking import deferred_signals
from .manifest import MANIFEST_NAME, file_sha256, read_manifest
from .templating import describe_failure, sandboxed_environment
from .wording import long_date
from .years import BusinessYear

LEDGER_NAME = "send-log.csv"
OUTBOX_NAME = "outbox"
EMAIL_TEMPLATE = "annual-review-email.txt"
Attach = Literal["pdf", "docx", "both"]
#: Outcomes in the ledger. ``sent``, ``refused`` and ``unknown`` are final: a rerun does not send again.
SENT, REFUSED, DEFERRED, UNKNOWN, TEST = "sent", "refused", "deferred", "unknown", "test"
#: Not handed over: the attachment changed between the plan and the moment of sending.
CHANGED = "changed"
FINAL = (SENT, REFUSED, UNKNOWN)
LEDGER_FIELDS = ("time", "year", "authority", "code", "file", "sha256", "attachments", "message_id", "to", "cc",
                 "outcome", "reply", "refused")
_MEDIA_TYPES = {".pdf": ("application", "pdf"),
                ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}


class NothingToSend(OmbudsmanError):
    """The letters folder has no manifest (``letters`` has not been run for it)."""


@dataclass(frozen=True)
class LedgerEntry:
    time: str
    year: str
    authority: str
    code: str
    outcome: str
    message_id: str = ""
    to: str = ""
    cc: str = ""
    reply: str = ""
    file: str = ""
    sha256: str = ""
    refused: str = ""


@dataclass
class Outgoing:
    """One council's message, ready to be built and sent."""

    row: dict[str, str]
    to: list[str]
    cc: list[str]
    attachments: list[Path]
    subject: str
    body: str
    html: str | None
    message_id: str
    #: What was sent to this council before, when ``--resend`` sends it again.
    before: list[LedgerEntry] = field(default_factory=list)

    @property
    def authority(self) -> str:
        return self.row["authority"]

    @property
    def code(self) -> str:
        return self.row["code"]

    @property
    def stem(self) -> str:
        return Path(self.row["file"]).stem


@dataclass
class SendPlan:
    """What a run will send, and every council it will not, with why."""

    folder: Path
    year: BusinessYear
    ready: list[Outgoing] = field(default_factory=list)
    #: Councils with no address to send to.
    unaddressed: list[str] = field(default_factory=list)
    #: (council, what is wrong) for an address that is not an email address.
    bad_addresses: list[tuple[str, str]] = field(default_factory=list)
    #: Letters whose file no longer matches the manifest's SHA-256, or is missing.
    changed: list[str] = field(default_factory=list)
    #: Councils whose attachment (the PDF, say) is not there.
    missing_attachments: list[tuple[str, str]] = field(default_factory=list)
    #: Councils sent to (or refused, or unknown) before, not sent again without --resend.
    done_before: list[tuple[str, LedgerEntry]] = field(default_factory=list)
    #: A proof run: every message to this one address, recorded as a test, never as sent to a council.
    to_self: str | None = None
    #: Councils sent a letter that differs from the one in the folder now (made again since): --resend sends it.
    changed_since_sent: list[str] = field(default_factory=list)
    #: Lines of the ledger that cannot be read (kept; the councils they name count as possibly sent).
    damaged_lines: list[DamagedLine] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.unaddressed) + len(self.bad_addresses) + len(self.changed) + len(self.missing_attachments)


# -- the ledger --------------------------------------------------------------------------------------

#: Written just before a message is handed over; a ``sending`` row with no outcome after it is a message
#: that may have gone (the run was killed, or its outcome could not be written): treated as ``unknown``.
SENDING = "sending"
_OUTCOMES = {SENDING, SENT, REFUSED, DEFERRED, UNKNOWN, TEST}
_REFUSAL = re.compile(r"(?:^|;\s)([^\s;:]+@[^\s;:]+):\s(\d)\d\d")
_CODE_LIKE = re.compile(r"^[A-Z]\d{8}$")


@dataclass(frozen=True)
class DamagedLine:
    """A line of the ledger that cannot be read as a record: kept as it is, and every council it names
    treated as possibly sent."""

    line: int
    text: str
    codes: tuple[str, ...]


@dataclass
class CouncilLedger:
    """What the ledger says of one council's letter in one year."""

    #: Final entries (``sent``, ``refused``, ``unknown``, or a ``sending`` with no outcome after it).
    final: list[LedgerEntry] = field(default_factory=list)
    #: Recipients still owed the letter: put off (4xx) while the message went to the others.
    owed: list[str] = field(default_factory=list)
    #: The letters' SHA-256 as sent (``sent`` or ``unknown``).
    sent_sha256: set[str] = field(default_factory=set)
    damaged: list[DamagedLine] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.final or self.damaged) and not self.owed


class Ledger:
    """``send-log.csv``: what became of every message handed to the mail server.

    Before a message is handed over, a ``sending`` row is written; after, its outcome. Each row is appended
    on a line of its own (a file saved without a final newline is mended first), flushed to disk and read
    back; if that fails the run stops before the next message, so no message goes whose outcome cannot
    be recorded. A line that cannot be read is reported, kept, and counts as a message that may have gone
    to every council it names: damage never causes a second send."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LEDGER_NAME

    def read(self) -> tuple[list[tuple[int, LedgerEntry]], list[DamagedLine]]:
        """The records with their line numbers, and the lines that are not records."""
        try:
            self._require_regular_file()
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return [], []
        except OSError as error:
            raise LedgerProblem(f"{self.path} cannot be read ({error.strerror or error}): nothing was sent, since "
                                "what was sent before cannot be known. Check its permissions.") from None
        entries: list[tuple[int, LedgerEntry]] = []
        damaged: list[DamagedLine] = []
        lines = text.splitlines()
        header = next(csv.reader([lines[0]]), []) if lines else []
        known_header = header[:len(LEDGER_FIELDS)] == list(LEDGER_FIELDS)
        for number, line in enumerate(lines[1:] if known_header else lines, start=2 if known_header else 1):
            if not line.strip():
                continue
            try:
                values = next(csv.reader([line]), [])
            except csv.Error:
                values = []
            row = dict(zip(header, values)) if known_header and len(values) == len(header) else None
            if row is None or row.get("outcome") not in _OUTCOMES or not _CODE_LIKE.match(row.get("code", "")):
                codes = tuple(dict.fromkeys(v.strip() for v in (values or line.split(","))
                                            if _CODE_LIKE.match(v.strip())))
                damaged.append(DamagedLine(number, line, codes))
                continue
            entries.append((number, LedgerEntry(**{k: row.get(k) or "" for k in LedgerEntry.__dataclass_fields__})))
        return entries, damaged

    def entries(self) -> list[LedgerEntry]:
        return [entry for _, entry in self.read()[0]]

    def _require_regular_file(self) -> None:
        """A ledger is a file: a device, pipe or folder in its place (``/dev/full``, say) can neither be read
        back nor trusted with a record."""
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISREG(mode):
            raise LedgerProblem(f"{self.path} is not a file (a device, pipe or folder is in its place), so what was "
                                "sent cannot be recorded: nothing was sent, and no further message went. Put the "
                                "ledger back, or move that away, then run the same command again.")

    def by_code(self, year: BusinessYear) -> dict[str, CouncilLedger]:
        """What the ledger says of each council's letter for ``year``."""
        entries, damaged = self.read()
        found: dict[str, CouncilLedger] = {}
        pending: dict[tuple[str, str], LedgerEntry] = {}
        for _, entry in entries:
            if entry.year != str(year.end_year) or entry.outcome == TEST:
                continue
            council = found.setdefault(entry.code, CouncilLedger())
            key = (entry.code, entry.message_id)
            if entry.outcome == SENDING:
                pending[key] = entry
                continue
            pending.pop(key, None)
            recipients = split_addresses(entry.to) + split_addresses(entry.cc)
            if entry.outcome in (SENT, UNKNOWN):
                council.final.append(entry)
                council.sent_sha256.add(entry.sha256)
                put_off = {m.group(1).lower() for m in _REFUSAL.finditer(entry.refused) if m.group(2) == "4"}
                for recipient in recipients:
                    if recipient.lower() in put_off:
                        if recipient.lower() not in map(str.lower, council.owed):
                            council.owed.append(recipient)
                    else:
                        council.owed = [o for o in council.owed if o.lower() != recipient.lower()]
            elif entry.outcome == REFUSED:
                council.final.append(entry)
                council.owed = [o for o in council.owed if o.lower() not in map(str.lower, recipients)]
        for (code, _), entry in pending.items():
            council = found[code]
            council.final.append(replace(entry, outcome=UNKNOWN,
                                         reply="the run stopped while handing this message over: it may have arrived"))
            council.sent_sha256.add(entry.sha256)
            council.owed = [o for o in council.owed
                            if o.lower() not in map(str.lower, split_addresses(entry.to) + split_addresses(entry.cc))]
        for line in damaged:
            for code in line.codes:
                found.setdefault(code, CouncilLedger()).damaged.append(line)
        return found

    def damaged(self) -> list[DamagedLine]:
        return self.read()[1]

    def append(self, row: dict[str, Any]) -> None:
        """One record, on a line of its own, on disk and read back; :class:`LedgerProblem` if not."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LEDGER_FIELDS, lineterminator="\n")
        writer.writerow({k: _one_line(row.get(k, "")) for k in LEDGER_FIELDS})
        record = buffer.getvalue().encode("utf-8")
        try:
            self._require_regular_file()
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(descriptor).st_size
                if size == 0:
                    record = (",".join(LEDGER_FIELDS) + "\n").encode() + record
                elif not _ends_with_newline(self.path, size):
                    record = b"\n" + record  # saved without a final newline: never glue a record onto it
                written = 0
                while written < len(record):
                    written += os.write(descriptor, record[written:])
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            with self.path.open("rb") as handle:
                handle.seek(size)
                back = handle.read(len(record))
        except OSError as error:
            raise LedgerProblem(
                f"{self.path} cannot be written ({error.strerror or error}): sending stopped, and no further "
                "message went, since its outcome could not be recorded. Free the disk or fix the permissions, "
                "then run the same command again."
            ) from None
        if back != record:
            raise LedgerProblem(f"{self.path} did not read back what was written to it: sending stopped. Check the "
                                "disk, then run the same command again.")


def _ends_with_newline(path: Path, size: int) -> bool:
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) in (b"\n", b"\r")


def _one_line(value: Any) -> str:
    """A server's reply can hold line breaks; the ledger keeps one record a line."""
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


# -- planning ----------------------------------------------------------------------------------------

def find_email_template(template: Path | None = None) -> Path:
    """``template`` if given, else ``letter_templates/annual-review-email.txt`` from where the letter
    templates are found (``./letter_templates``, then the copy installed with the package)."""
    from .rendering import template_folders

    if template is not None:
        if not template.is_file():
            raise TemplateProblem(f"email template {template} does not exist")
        return template
    for folder in template_folders():
        if (folder / EMAIL_TEMPLATE).is_file():
            return folder / EMAIL_TEMPLATE
    raise TemplateProblem(f"no email template: looked for {EMAIL_TEMPLATE} in "
                          f"{', '.join(map(str, template_folders()))}; set [email] template")


def email_context(row: dict[str, str], year: BusinessYear) -> dict[str, Any]:
    """The variables of the subject and body: the letter's own (from its manifest row) and the year's."""
    return {
        **row,
        "year": year.end_year,
        "year_label": year.label,
        "year_end": long_date(year.end),
        "period": year.period_text,
        "period_ending": year.ending_text,
        "cc": split_addresses(row.get("link_officer_email", "")),
    }


class EmailTemplate:
    """A plain-text template whose first line is ``Subject: ...``; a file beside it with the same name
    and ``.html`` is the body's HTML alternative. Jinja in the sandbox; an undefined name is an error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text_source = path.read_text(encoding="utf-8-sig")
        html = path.with_suffix(".html")
        self.html_source = html.read_text(encoding="utf-8-sig") if html.is_file() else None
        first, _, rest = self.text_source.partition("\n")
        if not first.lower().startswith("subject:"):
            raise TemplateProblem(f"{path}: the first line must be the subject, as 'Subject: Annual Review letter "
                                  "{{ year }}: {{ authority }}'")
        self._subject_source, self._body_source = first[len("subject:"):].strip(), rest.lstrip("\n")
        text_environment = sandboxed_environment(autoescape=False)
        try:
            self._subject = text_environment.from_string(self._subject_source)
            self._body = text_environment.from_string(self._body_source)
            self._html = sandboxed_environment(autoescape=True).from_string(self.html_source) if self.html_source else None
        except Exception as error:  # a template syntax error: the team's to mend, named
            raise describe_failure(f"{path}: the email template's Jinja cannot be used", error, self.text_source,
                                   "Correct the tag (the README lists the variables).") from None

    def render(self, context: dict[str, Any]) -> tuple[str, str, str | None]:
        try:
            subject = " ".join(self._subject.render(context).split())
            return subject, self._body.render(context), self._html.render(context) if self._html else None
        except Exception as error:
            raise describe_failure(f"{self.path}: the email to {context.get('authority')} cannot be written",
                                   error, self.text_source, "Correct the tag (the README lists the variables).") from None


def plan_sending(
    folder: Path,
    year: BusinessYear,
    template: EmailTemplate,
    settings: MailSettings,
    attach: Attach = "pdf",
    codes: Sequence[str] = (),
    resend: Sequence[str] = (),
    to_self: str | None = None,
) -> SendPlan:
    """What a run would send from ``folder``: every letter in its manifest (or those of ``codes`` and
    ``resend``), less those already sent, refused or of unknown fate (unless in ``resend``), with each
    problem listed. Every message's subject and body are written here, so that a template error stops
    the run before anything is sent."""
    expect(folder, FolderKind.LETTERS, year.end_year, "--letters")
    rows = read_manifest(folder)
    if rows and not any(row["year"] == str(year.end_year) for row in rows):
        years = sorted({row["year"] for row in rows})
        raise WrongFolder(f"{folder} holds letters for {', '.join(BusinessYear(int(y)).label for y in years if y.isdigit())}"
                          f", not {year.label}: give that year with --year, or its letters folder with --letters.")
    if not rows:
        raise NothingToSend(f"{folder / MANIFEST_NAME} does not exist or lists no letters: run 'ombudsman letters "
                            f"--year {year.end_year} --pdf' first, or give the folder with --letters")
    wanted = set(codes) | set(resend)
    known = {row["code"] for row in rows}
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(f"no letter in {folder / MANIFEST_NAME} for {', '.join(unknown)}")
    sender = envelope_sender(settings)
    if to_self:
        to_self = checked_mailbox(to_self, "--to-self")[1]
    ledger = Ledger(folder)
    before = ledger.by_code(year)
    plan = SendPlan(folder, year, to_self=to_self or None,
                    damaged_lines=ledger.damaged())
    for row in rows:
        if wanted and row["code"] not in wanted:
            continue
        if row.get("year") and row["year"] != str(year.end_year):
            continue  # a letter of another year in the same folder
        authority = row["authority"]
        record = before.get(row["code"])
        owed: list[str] | None = None
        if record is not None and row["code"] not in resend:
            if record.sent_sha256 and row["sha256"] not in record.sent_sha256:
                plan.changed_since_sent.append(authority)
            if record.done:
                plan.done_before.append((authority, _last_word(record)))
                continue
            owed = [address.lower() for address in record.owed] if record.owed else None
        letter = folder / row["file"]
        if file_sha256(letter) != row["sha256"]:
            plan.changed.append(authority)
            continue
        attachments = _attachments(folder, row, attach)
        if isinstance(attachments, str):
            plan.missing_attachments.append((authority, attachments))
            continue
        try:
            to = [check_address(a) for a in split_addresses(row.get("email", ""))]
            cc = [check_address(a) for a in split_addresses(row.get("link_officer_email", ""))]
        except BadAddress as error:
            plan.bad_addresses.append((authority, str(error)))
            continue
        if not to:
            plan.unaddressed.append(authority)
            continue
        if owed is not None:  # the message went to the others: only those put off are still owed it
            to, cc = [a for a in to if a.lower() in owed], [a for a in cc if a.lower() in owed]
            if not to and not cc:
                plan.done_before.append((authority, _last_word(record)))  # type: ignore[arg-type]
                continue
            if not to:
                to, cc = cc, []
        subject, body, html = template.render(email_context(row, year))
        if to_self:
            subject, to, cc = f"[TEST for {', '.join(to + cc)}] {subject}", [to_self], []
        plan.ready.append(Outgoing(row, to, cc, attachments, subject, body, html,
                                   message_id(year, row, sender, test=bool(to_self)),
                                   record.final if record is not None else []))
    if attach != "docx" and plan.missing_attachments and not plan.ready and not any(r.get("pdf") for r in rows):
        raise NothingToSend(f"{folder} has no PDFs: run 'ombudsman letters --year {year.end_year} --pdf' first, or "
                            "send the Word letters with --attach docx")
    return plan


def checked_mailbox(value: str | None, option: str) -> tuple[str, str]:
    """(display name, address) of a sender or recipient given by an option or setting; :class:`UsageError`
    naming ``option`` if it is not one email address (or holds a line break)."""
    try:
        return parse_mailbox(value or "")
    except BadAddress as error:
        raise UsageError(f"{option}: {error}") from None


def envelope_sender(settings: MailSettings) -> str:
    """The address the server is told the messages come from (``[email] from`` may carry a name)."""
    if not settings.sender:
        raise UsageError("no sender: set [email] from in ombudsman.toml, or pass --from ADDRESS")
    return checked_mailbox(settings.sender, "[email] from (or --from)")[1]


def _last_word(record: CouncilLedger) -> LedgerEntry:
    """The entry that says why a council is not sent its letter again."""
    if record.final:
        return record.final[-1]
    line = record.damaged[-1]
    return LedgerEntry("", "", "", line.codes[0] if line.codes else "", UNKNOWN,
                       reply=f"line {line.line} of {LEDGER_NAME} is damaged and names this council: it may have been sent")


def _attachments(folder: Path, row: dict[str, str], attach: Attach) -> list[Path] | str:
    files = []
    if attach in ("pdf", "both"):
        pdf = folder / row["pdf"] if row.get("pdf") else None
        if pdf is None or not pdf.is_file():
            return f"no PDF of {row['file']}: run 'ombudsman letters --pdf' (or send the Word file with --attach docx)"
        if file_sha256(pdf) != row.get("pdf_sha256"):
            return f"{pdf.name} changed after it was made (its SHA-256 is not the manifest's); make it again"
        files.append(pdf)
    if attach in ("docx", "both"):
        files.append(folder / row["file"])
    return files


def message_id(year: BusinessYear, row: dict[str, str], sender: str, test: bool = False) -> str:
    """``<2020.e07000171.5f2c...@ombudsman.example.org>``: the same letter has the same Message-ID on every
    run (a test copy has its own)."""
    domain = sender.rpartition("@")[2] or "localhost"
    kind = "test." if test else ""
    return f"<ombudsman.{kind}{year.end_year}.{row['code'].lower()}.{row['sha256'][:16]}@{domain}>"


def read_attachments(outgoing: Outgoing) -> dict[Path, bytes]:
    """Each attachment's bytes, read once and checked against the SHA-256 the manifest recorded, so that
    what is sent is what was checked; :class:`AttachmentChanged` for one changed since it was made."""
    expected = {outgoing.row["file"]: outgoing.row.get("sha256", ""),
                outgoing.row.get("pdf", ""): outgoing.row.get("pdf_sha256", "")}
    contents = {}
    for path in outgoing.attachments:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise AttachmentChanged(f"{path.name} cannot be read ({error.strerror or error})") from None
        if hashlib.sha256(data).hexdigest() != expected.get(path.name):
            raise AttachmentChanged(f"{path.name} changed after it was made (its SHA-256 is not the manifest's); "
                                    "make the letters again")
        contents[path] = data
    return contents


class AttachmentChanged(OmbudsmanError):
    """An attachment that is not, at the moment of sending, the file the manifest describes."""


def build_message(outgoing: Outgoing, settings: MailSettings, now: datetime | None = None,
                  contents: dict[Path, bytes] | None = None) -> EmailMessage:
    """``multipart/mixed``: the text (with its HTML alternative, if any) and the letter attached, named
    as its file; From, Reply-To, Message-ID and Date set. ``contents`` are the attachments' bytes as
    checked (read here if not given)."""
    message = EmailMessage()
    message["From"] = format_mailbox(settings.sender or "")
    message["To"] = ", ".join(outgoing.to)
    if outgoing.cc:
        message["Cc"] = ", ".join(outgoing.cc)
    if settings.reply_to:
        message["Reply-To"] = format_mailbox(settings.reply_to)
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(now or datetime.now().astimezone())
    message["Message-ID"] = outgoing.message_id
    message.set_content(outgoing.body)
    if outgoing.html:
        message.add_alternative(outgoing.html, subtype="html")
    for path in outgoing.attachments:
        maintype, subtype = _MEDIA_TYPES[path.suffix.lower()]
        data = contents[path] if contents is not None else path.read_bytes()
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    if message.get_content_type() != "multipart/mixed":
        message.make_mixed()
    return message


# -- sending -------------------------------------------------------------------------------------------

@dataclass
class Delivery:
    """What a transport made of one message."""

    outcome: str
    reply: str = ""
    #: Recipients the server refused while it took the message for the others: address -> its reply.
    refused: dict[str, str] = field(default_factory=dict)
    #: The server stopped answering: the run stops, and sends the rest when it is run again.
    stop_run: bool = False


@dataclass
class SendReport:
    plan: SendPlan
    dry_run: bool
    deliveries: list[tuple[Outgoing, Delivery, int]] = field(default_factory=list)
    #: Messages not attempted because of ``--limit`` (or an interruption).
    not_attempted: int = 0
    interrupted: bool = False
    #: Why the run stopped before the end (the server stopped answering), if it did.
    stopped: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for _, delivery, _ in self.deliveries if delivery.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.plan.problems == 0 and all(d.outcome in (SENT, TEST, "written") for _, d, _ in self.deliveries) \
            and not self.interrupted and not self.stopped and not any(d.refused for _, d, _ in self.deliveries)

    @property
    def waiting(self) -> list[tuple[str, list[str]]]:
        """(council, recipients) still owed the letter after this run: put off (4xx), alone or as a whole
        message; a rerun sends to them, and only them."""
        owed = []
        for outgoing, delivery, _ in self.deliveries:
            if delivery.outcome == DEFERRED:
                owed.append((outgoing.authority, outgoing.to + outgoing.cc))
            elif delivery.outcome == SENT:
                put_off = [a for a, reply in delivery.refused.items() if reply.startswith("4")]
                if put_off:
                    owed.append((outgoing.authority, put_off))
        return owed

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "year": plan.year.end_year,
            "folder": str(plan.folder),
            "dry_run": self.dry_run,
            "messages": [
                {"authority": o.authority, "code": o.code, "to": o.to, "cc": o.cc,
                 "attachments": [a.name for a in o.attachments], "bytes": size, "message_id": o.message_id,
                 "outcome": d.outcome, "reply": d.reply, "refused": d.refused}
                for o, d, size in self.deliveries
            ],
            "counts": {k: self.count(k) for k in (SENT, REFUSED, DEFERRED, UNKNOWN, TEST, "written")},
            "not_attempted": self.not_attempted,
            "unaddressed": plan.unaddressed,
            "bad_addresses": [{"authority": a, "problem": p} for a, p in plan.bad_addresses],
            "changed": plan.changed,
            "missing_attachments": [{"authority": a, "problem": p} for a, p in plan.missing_attachments],
            "sent_before": [{"authority": a, "outcome": e.outcome, "time": e.time, "message_id": e.message_id}
                            for a, e in plan.done_before],
            "waiting": [{"authority": a, "recipients": r} for a, r in self.waiting],
            "changed_since_sent": plan.changed_since_sent,
            "damaged_ledger_lines": [{"line": d.line, "text": d.text, "codes": list(d.codes)} for d in plan.damaged_lines],
            "interrupted": self.interrupted,
            "stopped": self.stopped,
        }


def send_all(
    plan: SendPlan,
    transport: Any,
    settings: MailSettings,
    ledger: Ledger | None,
    limit: int | None = None,
    rate: int | None = None,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Hand each planned message to ``transport`` in turn, paced to ``rate`` a minute (0: unpaced),
    recording each outcome in ``ledger`` (none for a dry run) as it happens. Ctrl-C stops between
    messages: the ledger is complete up to that point, and :class:`KeyboardInterrupt` goes on up."""
    report = SendReport(plan, dry_run=ledger is None)
    messages = plan.ready[:limit] if limit is not None else plan.ready
    report.not_attempted = len(plan.ready) - len(messages)
    interval = 60 / rate if rate else 0.0
    sender = envelope_sender(settings)
    next_start = clock()
    try:
        for number, outgoing in enumerate(messages):
            if number and interval:
                wait = next_start - clock()
                if wait > 0:
                    sleep(wait)
            next_start = clock() + interval
            try:
                contents = read_attachments(outgoing)
            except AttachmentChanged as error:  # changed during the run: refused here, never sent
                plan.changed.append(outgoing.authority)
                report.deliveries.append((outgoing, Delivery(CHANGED, str(error)), 0))
                continue
            # Serialised once, as it goes over the wire (CRLF line ends): what the outbox holds is what is sent.
            data = build_message(outgoing, settings, contents=contents).as_bytes(policy=policy.SMTP)
            # From handing the message over to recording what became of it, Ctrl-C and SIGTERM wait: a
            # message the server took is always in the ledger, so a rerun never sends it again.
            with deferred_signals() as arrived:
                if ledger is not None:  # written first: a message goes only if the ledger can take its record
                    ledger.append(_ledger_row(plan.year, outgoing, Delivery(TEST if plan.to_self else SENDING)))
                if hasattr(transport, "stop_waiting"):
                    transport.stop_waiting = lambda: bool(arrived)  # no retry waits out a Ctrl-C
                delivery = transport.deliver(outgoing, data, sender, outgoing.to + outgoing.cc)
                report.deliveries.append((outgoing, delivery, len(data)))
                if ledger is not None:
                    recorded = delivery
                    if plan.to_self:  # a proof copy is never a letter sent to the council
                        recorded = Delivery(TEST, f"{delivery.outcome}: {delivery.reply}".strip(": "), delivery.refused)
                    ledger.append(_ledger_row(plan.year, outgoing, recorded))
            if progress:
                progress(1)
            if delivery.stop_run:
                report.stopped = delivery.reply
                report.not_attempted += len(messages) - len(report.deliveries)
                break
    except KeyboardInterrupt:
        report.interrupted = True
        report.not_attempted = len(messages) - len(report.deliveries) + report.not_attempted
        raise
    return report


def _ledger_row(year: BusinessYear, outgoing: Outgoing, delivery: Delivery) -> dict[str, Any]:
    return {
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        "year": year.end_year,
        "authority": outgoing.authority,
        "code": outgoing.code,
        "file": outgoing.row["file"],
        "sha256": outgoing.row["sha256"],
        "attachments": "; ".join(a.name for a in outgoing.attachments),
        "message_id": outgoing.message_id,
        "to": "; ".join(outgoing.to),
        "cc": "; ".join(outgoing.cc),
        "outcome": delivery.outcome,
        "reply": delivery.reply,
        "refused": "; ".join(f"{address}: {reply}" for address, reply in delivery.refused.items()),
    }


def outbox_folder(folder: Path) -> Path:
    return folder / OUTBOX_NAME


def clear_outbox(folder: Path) -> None:
    """Remove the ``.eml`` files of an earlier dry run, so that the outbox shows exactly this one."""
    for old in outbox_folder(folder).glob("*.eml"):
        old.unlink()

