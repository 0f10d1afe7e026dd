"""What a message in the sender's mailbox says of a letter: a delivery report read into findings.

Kinds read (each as real servers write it):

- RFC 3464 delivery status notifications (``multipart/report; report-type=delivery-status``: Postfix,
  Exim, Gmail and Microsoft 365 alike), one finding per recipient from its ``Action`` and ``Status``
  (``2.x.x`` delivered, ``4.x.x`` delayed, ``5.x.x`` bounced) and ``Diagnostic-Code``;
- non-delivery reports without that part: Microsoft Exchange's ("Undeliverable: ..."), and the plain-text
  bounces of Exim, Postfix and Gmail (``X-Failed-Recipients``, "Mail delivery failed", "Undelivered Mail
  Returned to Sender"), the status read from the server's words;
- RFC 3798 read receipts (``report-type=disposition-notification``): the letter arrived;
- RFC 3834 auto-replies (``Auto-Submitted: auto-replied``, Exchange's "Automatic reply:", ``X-Autoreply``):
  the letter arrived, and the reply's text is kept (an out-of-office is never a bounce).

Anything else (a person's reply, a newsletter) is not a report, and is left alone. The letter a report is
about is known by its Message-ID (in the returned headers, ``Original-Message-ID``, ``In-Reply-To`` or
``References``), else by the recipient and the letter's subject (:func:`ombudsman_cli.send.delivery`).
Standard library only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum


class Finding(StrEnum):
    """What a report says became of a letter for one recipient; the ledger's ``outcome`` column holds it."""

    DELIVERED = "delivered"
    #: A permanent failure (5.x.x): the recipient does not have the letter, and will not.
    BOUNCED = "bounced"
    #: A temporary failure (4.x.x): a server is still trying.
    DELAYED = "delayed"
    #: An automatic reply (out of office): the letter arrived.
    AUTO_REPLY = "auto-reply"


#: A report's words kept in the ledger and shown: the reason, not the whole bounce.
WORDS_KEPT = 300
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_REPLY = re.compile(r"(?<!\d)([245])\d\d(?:[ -]|$)")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_REPLY_PREFIXES = re.compile(
    r"^\s*(?:(?:re|aw|sv|fw|fwd|automatic reply|auto-reply|autoreply|auto|out of office(?: reply)?|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|undeliverable|undelivered|unzustellbar|non remis|"
    r"delivery status notification \((?:failure|delay|success)\)|returned mail|read|gelesen|lu|"
    r"delivered|delayed|failure notice)\s*:\s*)+", re.IGNORECASE)
_BOUNCE_SUBJECTS = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|mail delivery failed|delivery status notification|"
    r"returned mail|failure notice|delivery failure|mail system error|non remis|unzustellbar|"
    r"message not delivered|delivery has failed|warning: message .* delayed|"
    r"delivery delayed|mail delivery (?:delayed|warning))", re.IGNORECASE)
_DAEMONS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_AUTO_REPLY_SUBJECTS = re.compile(r"^\s*(?:automatic reply|auto-reply|autoreply|auto|out of office|"
                                  r"abwesenheitsnotiz|r[ée]ponse automatique)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RecipientFinding:
    """One recipient's outcome in a report."""

    outcome: Finding
    #: The address the report names (the original recipient where it says so), lower case.
    recipient: str
    #: The enhanced status code (``5.1.1``), or the SMTP reply's class (``5.0.0``), or ``""``.
    status: str = ""
    #: The server's words (``550 5.1.1 User unknown``) or the start of the auto-reply.
    words: str = ""


@dataclass
class Report:
    """What one message of the mailbox says of the letters it is about."""

    #: The report's own Message-ID, or ``sha256:...`` of its bytes where it has none: known again next time.
    report_id: str
    #: Its Date header as ISO 8601, or ``""``.
    date: str
    #: What kind of report it is, in words ("delivery status notification", "auto-reply", ...).
    kind: str
    findings: list[RecipientFinding] = field(default_factory=list)
    #: Message-IDs the report names as the letter's (the returned headers, In-Reply-To, References).
    about: list[str] = field(default_factory=list)
    #: The letter's subject as the report gives it (the returned headers, else its own with "Re:" and the
    #: like taken off), lower case and with single spaces.
    subject: str = ""
    #: That subject as the report writes it, for a person.
    subject_as_written: str = ""
    #: The report's own From address (for an auto-reply, the recipient who replied).
    sender: str = ""


class NotMime(ValueError):
    """A message that cannot be read as MIME at all."""


def read_report(data: bytes) -> Report | None:
    """The report in ``data`` (one message, as the mailbox holds it), or ``None`` if it is not one.
    :class:`NotMime` if the bytes are not a message at all; a message in any character set, or with
    MIME defects, is read as far as it can be."""
    if not data.strip():
        raise NotMime("an empty message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as error:  # the parser is lenient; what it still refuses is not a message
        raise NotMime(f"not a MIME message ({type(error).__name__})") from None
    if not isinstance(message, EmailMessage) or not [name for name in message.keys() if name]:
        raise NotMime("no headers")
    report_id = _header(message, "Message-ID")
    found = _MESSAGE_ID.search(report_id)
    report = Report(report_id=found.group(0) if found else "sha256:" + hashlib.sha256(data).hexdigest(),
                    date=_date(_header(message, "Date")), kind="", sender=_first_address(_header(message, "From")))
    report_type = (message.get_param("report-type", header="content-type") or "") if message.is_multipart() else ""
    report_type = str(report_type).lower()
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        _delivery_status(message, report)
    elif message.get_content_type() == "multipart/report" and report_type == "disposition-notification":
        _read_receipt(message, report)
    elif _looks_like_bounce(message):
        _plain_bounce(message, report)
    elif _looks_like_auto_reply(message):
        _auto_reply(message, report)
    else:
        return None
    if not report.findings:
        return None  # a report of nothing we read (a DSN of "relayed" only, say): left alone
    if not report.subject:
        _take_subject(report, _header(message, "Subject"))
    report.about = list(dict.fromkeys(report.about))
    return report


def _take_subject(report: Report, subject: str) -> None:
    report.subject = letter_subject(subject)
    report.subject_as_written = " ".join(_REPLY_PREFIXES.sub("", subject or "").split())


def letter_subject(subject: str) -> str:
    """A subject as a report repeats it, for comparing with a letter's: "Undeliverable:", "Automatic
    reply:", "Re:" and the like taken off, single spaces, lower case."""
    return " ".join(_REPLY_PREFIXES.sub("", subject or "").split()).lower()


# -- RFC 3464 -------------------------------------------------------------------------------------------

def _delivery_status(message: EmailMessage, report: Report) -> None:
    report.kind = "non-delivery report" if _header(message, "Subject").lower().startswith("undeliverable") \
        else "delivery status notification"
    status_part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is not None:
        for fields in _status_blocks(status_part)[1:]:  # the first block is about the message, not a recipient
            finding = _recipient_finding(fields)
            if finding is not None:
                report.findings.append(finding)
    _returned_message(message, report)
    if not report.findings:  # a report with its status part damaged: read as the text says it
        _plain_bounce(message, report)


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The fields of a ``message/delivery-status`` part, block by block (per message, then per recipient),
    names in lower case. The standard library parses it into messages; a damaged part is read as text."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and all(isinstance(p, Message) for p in payload):
        return [{name.lower(): str(value) for name, value in block.items()}
                for block in payload if isinstance(block, Message)]
    text = _text_of(part)
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in re.split(r"\r?\n", text):
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        if line[:1] in " \t" and current:
            last = next(reversed(current))
            current[last] += " " + line.strip()
            continue
        name, _, value = line.partition(":")
        current[name.strip().lower()] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _recipient_finding(fields: dict[str, str]) -> RecipientFinding | None:
    recipient = _typed_address(fields.get("original-recipient", "")) or _typed_address(fields.get("final-recipient", ""))
    if not recipient:
        return None
    action = fields.get("action", "").strip().lower()
    status_match = _STATUS.search(fields.get("status", ""))
    status = ".".join(status_match.groups()) if status_match else ""
    words = _words(fields.get("diagnostic-code", "")) or _words(fields.get("status", ""))
    if words.lower().startswith("smtp;"):
        words = words[5:].strip()
    outcome = _outcome(action, status)
    if outcome is None:
        return None
    return RecipientFinding(outcome, recipient, status, words)


def _outcome(action: str, status: str) -> Finding | None:
    """RFC 3464's Action, checked against the status code's class (a ``failed`` with a 4.x.x code is a
    server that gave up while the fault was temporary: still a failure, so bounced)."""
    if action == "failed" or (not action and status.startswith("5")):
        return Finding.BOUNCED
    if action == "delayed" or (not action and status.startswith("4")):
        return Finding.DELAYED
    if action == "delivered" or (not action and status.startswith("2")):
        return Finding.DELIVERED
    return None  # relayed or expanded: no server says the letter arrived, nor that it did not


def _typed_address(value: str) -> str:
    """``rfc822; ceo@council.gov.uk`` -> ``ceo@council.gov.uk``."""
    _, _, address = value.rpartition(";")
    found = _ADDRESS.search(address.strip().strip("<>"))
    return found.group(0).lower() if found else ""


def _returned_message(message: EmailMessage, report: Report) -> None:
    """The letter's Message-ID and subject from the returned message or its headers."""
    for part in message.walk():
        kind = part.get_content_type()
        headers: Message | None = None
        if kind == "message/rfc822":
            payload = part.get_payload()
            first = payload[0] if isinstance(payload, list) and payload else None
            headers = first if isinstance(first, Message) else None
        elif kind == "text/rfc822-headers":
            headers = BytesHeaderParser(policy=policy.default).parsebytes(_bytes_of(part))
        if headers is not None:
            _read_letter_headers(headers, report)


def _read_letter_headers(headers: Message, report: Report) -> None:
    message_id = _MESSAGE_ID.search(_header(headers, "Message-ID"))
    if message_id:
        report.about.append(message_id.group(0))
    subject = _header(headers, "Subject")
    if subject and not report.subject:
        _take_subject(report, subject)


# -- RFC 3798 -------------------------------------------------------------------------------------------

def _read_receipt(message: EmailMessage, report: Report) -> None:
    report.kind = "read receipt"
    part = next((p for p in message.walk() if p.get_content_type() == "message/disposition-notification"), None)
    fields: dict[str, str] = {}
    if part is not None:
        for block in _status_blocks(part):
            fields.update(block)
    disposition = fields.get("disposition", "")
    kind = disposition.rpartition(";")[2].strip().split("/")[0].lower()
    if kind == "failed" or not fields:
        return
    recipient = _typed_address(fields.get("original-recipient", "")) or _typed_address(fields.get("final-recipient", "")) \
        or report.sender
    original = _MESSAGE_ID.search(fields.get("original-message-id", ""))
    if original:
        report.about.append(original.group(0))
    _returned_message(message, report)
    report.findings.append(RecipientFinding(Finding.DELIVERED, recipient, "", f"read receipt: {kind or 'displayed'}"))


# -- bounces without a status part ----------------------------------------------------------------------

def _looks_like_bounce(message: EmailMessage) -> bool:
    if _header(message, "X-Failed-Recipients"):
        return True
    from_daemon = bool(_DAEMONS.match(_first_address(_header(message, "From"))))
    ndr = "x-ms-exchange-message-is-ndr" in {k.lower() for k in message.keys()}
    return bool(_BOUNCE_SUBJECTS.match(_header(message, "Subject"))) and (from_daemon or ndr or _auto_generated(message))


def _auto_generated(message: EmailMessage) -> bool:
    return _header(message, "Auto-Submitted").lower().startswith("auto-")


def _plain_bounce(message: EmailMessage, report: Report) -> None:
    """Exim's, Postfix's, Gmail's and Exchange's reports in words: the recipients from
    ``X-Failed-Recipients`` or the text, the status from the server's words next to them."""
    if not report.kind:
        report.kind = "non-delivery report"
    text = _readable_text(message)
    subject = _header(message, "Subject")
    delayed = bool(re.search(r"\bdelay(?:ed)?\b|\bwarning\b|will (?:continue|keep) trying|still trying", subject,
                             re.IGNORECASE)) and not re.search(r"permanent|failed", subject, re.IGNORECASE)
    failed = [a.lower() for a in _ADDRESS.findall(_header(message, "X-Failed-Recipients"))]
    if not failed:
        failed = _addresses_in_failure_text(text)
    _returned_message(message, report)
    if not report.about:
        returned = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
        if returned:
            report.about.append(returned.group(1))
        subject_line = re.search(r"^Subject:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
        if subject_line and not report.subject:
            _take_subject(report, subject_line.group(1))
    for address in dict.fromkeys(failed):
        words = _reason_near(text, address)
        status = _status_of(words) or ("4.0.0" if delayed else "5.0.0")
        temporary = delayed or (status.startswith("4") and not _permanent(text))
        outcome = Finding.DELAYED if temporary else Finding.BOUNCED
        report.findings.append(RecipientFinding(outcome, address, status, words))


def _permanent(text: str) -> bool:
    return bool(re.search(r"permanent (?:error|failure)|has failed|could not be delivered", text, re.IGNORECASE))


def _addresses_in_failure_text(text: str) -> list[str]:
    """The addresses a bounce in words names as failed: those before its copy of the message."""
    before_copy = re.split(r"^-{2,}.*(?:copy of the message|original message|returned message|headers).*$|"
                           r"^Original message headers:|^Received: ", text, maxsplit=1,
                           flags=re.IGNORECASE | re.MULTILINE)[0]
    found = []
    for address in _ADDRESS.findall(before_copy):
        lowered = address.lower()
        if not _DAEMONS.match(lowered) and lowered not in found:
            found.append(lowered)
    return found


def _reason_near(text: str, address: str) -> str:
    """The server's words about ``address``: the first line after it that reads like an SMTP reply."""
    position = text.lower().find(address)
    window = text[position:position + 1500] if position >= 0 else text[:3000]
    for line in window.splitlines():
        stripped = line.strip().strip("'\"")
        if _STATUS.search(stripped) or _SMTP_REPLY.match(stripped) or re.search(r"remote server returned", stripped, re.I):
            return _words(stripped)
    return ""


def _status_of(words: str) -> str:
    status = _STATUS.search(words)
    if status:
        return ".".join(status.groups())
    reply = _SMTP_REPLY.search(words)
    return f"{reply.group(1)}.0.0" if reply else ""


# -- RFC 3834 -------------------------------------------------------------------------------------------

def _looks_like_auto_reply(message: EmailMessage) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if any(_header(message, name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response")):
        return True
    if _header(message, "Precedence").lower() == "auto_reply":
        return True
    return bool(_AUTO_REPLY_SUBJECTS.match(_header(message, "Subject"))) and (
        auto.startswith("auto-") or bool(_header(message, "X-MS-Exchange-Inbox-Rules-Loop"))
        or bool(_header(message, "X-Auto-Response-Suppress")))


def _auto_reply(message: EmailMessage, report: Report) -> None:
    report.kind = "auto-reply"
    for name in ("In-Reply-To", "References"):
        report.about.extend(_MESSAGE_ID.findall(_header(message, name)))
    text = _readable_text(message)
    report.findings.append(RecipientFinding(Finding.AUTO_REPLY, report.sender, "", _words(text)))


# -- reading parts --------------------------------------------------------------------------------------

def _header(message: Message, name: str) -> str:
    """A header's value as text, however malformed (a header the parser cannot make sense of is ``""``)."""
    try:
        value = message.get(name)
    except Exception:  # a header that breaks the parser's own classes
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _first_address(value: str) -> str:
    try:
        addresses = [address for _, address in getaddresses([value]) if "@" in address]
    except Exception:
        addresses = []
    return addresses[0].lower() if addresses else ""


def _date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).isoformat() if value else ""
    except (TypeError, ValueError, IndexError):
        return ""


def _bytes_of(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _text_of(part: Message) -> str:
    """A part's text in its own character set (a charset Python does not know, or a wrong one, read with
    replacement characters rather than refused)."""
    data = _bytes_of(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _readable_text(message: Message) -> str:
    """The report's own words: its text parts (HTML with the tags taken out where it has no plain text),
    not those of a returned message attached to it."""
    texts, html = [], []
    for part in _own_parts(message):
        kind = part.get_content_type()
        if kind == "text/plain":
            texts.append(_text_of(part))
        elif kind == "text/html":
            html.append(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", _text_of(part))))
    from html import unescape

    return "\n".join(texts) if texts else unescape("\n".join(html))


def _own_parts(message: Message) -> list[Message]:
    if not message.is_multipart():
        return [message]
    parts: list[Message] = []
    for part in message.get_payload():  # type: ignore[union-attr]
        if not isinstance(part, Message) or part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            continue
        parts.extend(_own_parts(part) if part.is_multipart() else [part])
    return parts


def _words(text: str) -> str:
    """Text on one line, at most :data:`WORDS_KEPT` characters."""
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= WORDS_KEPT else one_line[:WORDS_KEPT - 1] + "…"
