"""What a send would do: planned from the letters folder, every message built and inspectable before it
goes.

The plan is made from ``manifest.csv`` (which letters exist, their SHA-256, the addresses ``letters``
took from the contacts file) and ``send-log.csv`` (what was sent before). A letter whose file no longer
matches its SHA-256 is refused by name; a council without an address, or with one that is not an email
address, is listed. Each message is built with the standard library's :class:`EmailMessage`: a plain-text
body from an editable Jinja template (and an HTML alternative if the template has one), the letter
attached, a Message-ID made from the year, the council's code and the letter's hash.

:func:`ombudsman_cli.send.run.send_all` then hands each message to a transport and records it in the
ledger (:mod:`ombudsman_cli.send.ledger`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

from ..config import MailSettings
from ..data.addresses import check_address, format_mailbox, parse_mailbox, split_addresses
from ..errors import AttachmentChanged, BadAddress, NothingToSend, TemplateProblem, UsageError, WrongFolder
from ..folders import FolderKind, expect
from ..letters.manifest import MANIFEST_NAME, file_sha256, read_manifest
from ..models import Contact
from ..templates import describe_failure, sandboxed_environment
from ..years import BusinessYear, long_date
from .ledger import LEDGER_NAME, CouncilLedger, DamagedLine, Ledger, LedgerEntry, Outcome

OUTBOX_NAME = "outbox"
Attach = Literal["pdf", "docx", "both"]
_MEDIA_TYPES = {".pdf": ("application", "pdf"),
                ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}


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
    #: The bounces this message answers (sent again to the council's addresses that do not have it).
    bounced: list[LedgerEntry] = field(default_factory=list)
    #: Where the addresses of a message sent again after a bounce come from.
    addresses_from: str = ""

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
    #: (council, its bounces) where the contacts give no address that does not have the letter already.
    bounced_unanswered: list[tuple[str, list[LedgerEntry]]] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (len(self.unaddressed) + len(self.bad_addresses) + len(self.changed) + len(self.missing_attachments)
                + len(self.bounced_unanswered))


# -- planning ----------------------------------------------------------------------------------------

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
    contacts: Callable[[], Mapping[str, Contact]] | None = None,
) -> SendPlan:
    """What a run would send from ``folder``: every letter in its manifest (or those of ``codes`` and
    ``resend``), less those already sent, refused or of unknown fate (unless in ``resend``), with each
    problem listed. Every message's subject and body are written here, so that a template error stops
    the run before anything is sent.

    A council whose letter bounced (``ombudsman bounces`` recorded it) is owed it: it is sent again to
    the council's addresses in ``contacts()`` (the contacts file as it is now, read only if a letter
    bounced; without one, the manifest's) that do not have it, so a corrected address gets the letter
    and an address that bounced is tried again only if the contacts still give it."""
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
    before, damaged = Ledger(folder).councils(year)
    plan = SendPlan(folder, year, to_self=to_self or None, damaged_lines=damaged)
    for row in rows:
        if wanted and row["code"] not in wanted:
            continue
        if row.get("year") and row["year"] != str(year.end_year):
            continue  # a letter of another year in the same folder
        authority = row["authority"]
        record = before.get(row["code"])
        owed: list[str] | None = None
        bounced = record.bounced if record is not None and row["code"] not in resend else []
        if record is not None and row["code"] not in resend:
            if record.sent_sha256 and row["sha256"] not in record.sent_sha256:
                plan.changed_since_sent.append(authority)
            if record.done and not bounced:
                plan.done_before.append((authority, _last_word(record)))
                continue
            owed = [address.lower() for address in record.owed] if record.owed and not bounced else None
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
        addresses_from = ""
        if bounced and record is not None:  # owed the letter: the council's addresses now, less those that have it
            to, cc, addresses_from = _current_addresses(row, contacts, to, cc)
            have = record.have()
            to, cc = [a for a in to if a.lower() not in have], [a for a in cc if a.lower() not in have]
            if not to and not cc:
                plan.bounced_unanswered.append((authority, bounced))
                continue
            if not to:
                to, cc = cc, []
        if not to:
            plan.unaddressed.append(authority)
            continue
        if owed is not None and record is not None:  # the others have it: only those put off are owed it
            to, cc = [a for a in to if a.lower() in owed], [a for a in cc if a.lower() in owed]
            if not to and not cc:
                plan.done_before.append((authority, _last_word(record)))
                continue
            if not to:
                to, cc = cc, []
        subject, body, html = template.render(email_context(row, year))
        if to_self:
            subject, to, cc = f"[TEST for {', '.join(to + cc)}] {subject}", [to_self], []
        plan.ready.append(Outgoing(row, to, cc, attachments, subject, body, html,
                                   message_id(year, row, sender, test=bool(to_self)),
                                   record.final if record is not None and not bounced else [],
                                   bounced, addresses_from))
    if attach != "docx" and plan.missing_attachments and not plan.ready and not any(r.get("pdf") for r in rows):
        raise NothingToSend(f"{folder} has no PDFs: run 'ombudsman letters --year {year.end_year} --pdf' first, or "
                            "send the Word letters with --attach docx")
    return plan


def _current_addresses(row: dict[str, str], contacts: Callable[[], Mapping[str, Contact]] | None, to: list[str],
                       cc: list[str]) -> tuple[list[str], list[str], str]:
    """The council's addresses as the contacts file gives them now (the manifest's, ``to`` and ``cc``,
    without one), and where they came from."""
    if contacts is None:
        return to, cc, "the letters' manifest (no contacts file is set: [files] contacts)"
    contact = contacts().get(row["code"])
    if contact is None:
        return [], [], "the contacts file, which no longer has this council"
    return split_addresses(contact.email), split_addresses(contact.link_officer_email), "the contacts file"


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
    return LedgerEntry("", "", "", line.codes[0] if line.codes else "", Outcome.UNKNOWN,
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



class _HeaderClasses(HeaderRegistry):
    """The standard library's header registry, making each kind of header's class once: its own makes a
    new class (``type(...)``) for every header set or parsed, about a tenth of a dry run's time."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_HEADERS = _HeaderClasses()
#: The policies messages are built with (``policy.default``) and sent with (``policy.SMTP``: CRLF line ends).
MESSAGE_POLICY = policy.default.clone(header_factory=_HEADERS)
SMTP_POLICY = policy.SMTP.clone(header_factory=_HEADERS)


def build_message(outgoing: Outgoing, settings: MailSettings, now: datetime | None = None,
                  contents: dict[Path, bytes] | None = None) -> EmailMessage:
    """``multipart/mixed``: the text (with its HTML alternative, if any) and the letter attached, named
    as its file; From, Reply-To, Message-ID and Date set. ``contents`` are the attachments' bytes as
    checked (read here if not given)."""
    message = EmailMessage(policy=MESSAGE_POLICY)
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


def outbox_folder(folder: Path) -> Path:
    return folder / OUTBOX_NAME


def clear_outbox(folder: Path) -> None:
    """Remove the ``.eml`` files of an earlier dry run, so that the outbox shows exactly this one."""
    for old in outbox_folder(folder).glob("*.eml"):
        old.unlink()

